/**
 * Transport-free core of every bridge (Electron IPC, web shell): validate an untrusted `{method, args}`
 * request, call the WorkbenchApi, and turn the outcome into a plain, serialisable reply. Keeping this in
 * one place means both bridges refuse exactly the same inputs.
 */
import { isWorkbenchMethod, type ApiError, type WorkbenchApi } from '../../shared/api.js';
import { WorkbenchError } from '../../shared/errors.js';

/** What a bridge sends back for one call. Errors travel as data because IPC/JSON drop Error fields. */
export type CallReply = { readonly ok: true; readonly result: unknown } | { readonly ok: false; readonly error: ApiError };

/** Upper bound on positional arguments; no WorkbenchApi method takes more than three. */
const MAX_ARGS = 8;

/** Converts anything thrown into the ApiError shape front ends understand. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof WorkbenchError) return err.toJSON();
  if (isApiErrorShaped(err)) {
    return { code: err.code, message: err.message, hint: err.hint, details: { ...err.details } };
  }
  const message = err instanceof Error ? err.message : String(err);
  return {
    code: 'INTERNAL_ERROR',
    message: message || 'Unexpected internal error.',
    hint: 'This is a bug in eSIM Workbench; please report it with the APDU log.',
    details: {},
  };
}

function isApiErrorShaped(err: unknown): err is ApiError {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as Record<string, unknown>;
  return typeof e.code === 'string' && typeof e.message === 'string' && typeof e.hint === 'string' &&
    typeof e.details === 'object' && e.details !== null;
}

function badRequest(message: string, details: Record<string, unknown> = {}): CallReply {
  const error = new WorkbenchError('BRIDGE_BAD_REQUEST', message, 'The front end sent a malformed request; reload it.', { details });
  return { ok: false, error: error.toJSON() };
}

/** Validates `request` and performs the call. Never throws: every failure becomes an error reply. */
export async function dispatchCall(api: WorkbenchApi, request: unknown): Promise<CallReply> {
  if (typeof request !== 'object' || request === null || Array.isArray(request)) {
    return badRequest('A call must be an object with `method` and `args`.');
  }
  const { method, args = [] } = request as { method?: unknown; args?: unknown };
  if (!isWorkbenchMethod(method)) {
    const error = new WorkbenchError(
      'BRIDGE_UNKNOWN_METHOD',
      `"${String(method).slice(0, 64)}" is not a WorkbenchApi method.`,
      'Only the methods listed in shared/api.ts WORKBENCH_METHODS can be called.',
      { details: { method: typeof method === 'string' ? method.slice(0, 64) : typeof method } },
    );
    return { ok: false, error: error.toJSON() };
  }
  if (!Array.isArray(args) || args.length > MAX_ARGS) {
    return badRequest('`args` must be an array of at most 8 arguments.', { method });
  }
  try {
    // The method name is one of WORKBENCH_METHODS; argument checking is the implementation's job.
    const fn = api[method] as (...a: unknown[]) => Promise<unknown>;
    // JSON has no `undefined`: a null argument means "not given", as optional parameters expect.
    return { ok: true, result: await fn.apply(api, args.map((a: unknown) => (a === null ? undefined : a))) };
  } catch (err) {
    return { ok: false, error: toApiError(err) };
  }
}
