/**
 * The one error type of eSIM Workbench. Every failure a user can meet carries:
 * - `code`: a stable, SCREAMING_SNAKE identifier, namespaced by layer (`TLV_TRUNCATED`, `CARD_SW_ERROR`,
 *   `ES10_AUTHENTICATE_FAILED`, …). Front ends and tests match on it; never on the message.
 * - `message`: what happened, in words a technician understands.
 * - `hint`: what to do about it.
 * - `details`: structured facts (offsets, status words, result codes) for logs and JSON output.
 */
export class WorkbenchError extends Error {
  override readonly name = 'WorkbenchError';
  readonly code: string;
  readonly hint: string;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(
    code: string,
    message: string,
    hint: string,
    options: { cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.hint = hint;
    this.details = Object.freeze({ ...(options.details ?? {}) });
  }

  /** Plain-object form for JSON output and IPC (Error fields are not enumerable). */
  toJSON(): { code: string; message: string; hint: string; details: Record<string, unknown> } {
    return { code: this.code, message: this.message, hint: this.hint, details: { ...this.details } };
  }
}

/** True when `err` is a WorkbenchError, optionally with the given code. */
export function isWorkbenchError(err: unknown, code?: string): err is WorkbenchError {
  return err instanceof WorkbenchError && (code === undefined || err.code === code);
}

/** The error raised when an operation observes its AbortSignal. */
export function abortError(what: string): WorkbenchError {
  return new WorkbenchError('ABORTED', `${what} was cancelled.`, 'Nothing else to do; start it again when ready.');
}

/** Throws the standard abort error when `signal` is aborted. */
export function throwIfAborted(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) throw abortError(what);
}
