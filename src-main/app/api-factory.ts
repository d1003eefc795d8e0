/**
 * Where the desktop app and `npm start` get their WorkbenchApi. The implementation lives in
 * src-main/services (`createWorkbench()`); until it lands, this module reports its absence clearly.
 */
import type { WorkbenchApi } from '../../shared/api.js';
import { WorkbenchError } from '../../shared/errors.js';

const SERVICES_MODULE = '../services/workbench.js';

// Swap for the typed static import once src-main/services/workbench.ts exists:
//   const loadServices = (): Promise<unknown> => import('../services/workbench.js');
const loadServices = (): Promise<unknown> => import(SERVICES_MODULE);

function servicesMissing(cause: unknown): WorkbenchError {
  return new WorkbenchError(
    'APP_SERVICES_MISSING',
    'The workbench services (src-main/services/workbench.ts, createWorkbench) are not available.',
    'Build or add src-main/services first; the front ends only adapt that implementation.',
    { cause, details: { module: SERVICES_MODULE } },
  );
}

/** Creates the real WorkbenchApi (virtual eUICC + local test SM-DP+ by default, per the services). */
export async function createWorkbenchApi(): Promise<WorkbenchApi> {
  let services: unknown;
  try {
    services = await loadServices();
  } catch (err) {
    throw servicesMissing(err);
  }
  const create = (services as { createWorkbench?: unknown }).createWorkbench;
  if (typeof create !== 'function') throw servicesMissing(new Error('createWorkbench is not exported'));
  return (create as () => WorkbenchApi | Promise<WorkbenchApi>)();
}
