import { isWorkbenchError } from '../../shared/errors.js';
import type { WorkbenchError } from '../../shared/errors.js';

/** The WorkbenchError `promise` rejects with; fails the test when it resolves or rejects with anything else. */
export async function errorOf(promise: Promise<unknown>): Promise<WorkbenchError> {
  try {
    await promise;
  } catch (err) {
    if (isWorkbenchError(err)) return err;
    throw err;
  }
  throw new Error('expected a rejection');
}

/** Whatever `promise` rejects with (any value); fails the test when it resolves. */
export function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (err: unknown) => err,
  );
}
