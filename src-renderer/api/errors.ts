import type { ApiError } from '../../shared/api.js';

/** A failed WorkbenchApi call, with the implementation's code, message, hint and details. */
export class ApiCallError extends Error implements ApiError {
  override readonly name = 'ApiCallError';
  readonly code: string;
  readonly hint: string;
  readonly details: Record<string, unknown>;

  constructor(error: ApiError) {
    super(error.message);
    this.code = error.code;
    this.hint = error.hint;
    this.details = error.details;
  }
}

/** Whatever a call rejected with, as an ApiCallError (bridges reject with plain ApiError objects). */
export function toApiCallError(err: unknown): ApiCallError {
  if (err instanceof ApiCallError) return err;
  if (typeof err === 'object' && err !== null && typeof (err as ApiError).code === 'string') {
    const e = err as Partial<ApiError> & { code: string };
    return new ApiCallError({ code: e.code, message: e.message ?? e.code, hint: e.hint ?? '', details: e.details ?? {} });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new ApiCallError({ code: 'UI_ERROR', message, hint: '', details: {} });
}
