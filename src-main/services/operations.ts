import { randomUUID } from 'node:crypto';
import type { OperationPrompt, OperationResult, PromptAnswer } from '../../shared/api.js';
import { WorkbenchError, isWorkbenchError } from '../../shared/errors.js';
import type { EventBus } from './event-bus.js';

/** Prompt as an operation asks it; the registry assigns the promptId. */
export type PromptRequest =
  | { kind: 'confirmation-code'; attemptsLeft?: number }
  | { kind: 'consent'; preview: Extract<OperationPrompt, { kind: 'consent' }>['preview']; timeoutMs: number };

type AnswerOf<K extends PromptRequest['kind']> = Extract<PromptAnswer, { kind: K }>;

/** How long a confirmation-code prompt waits for an answer. */
export const CONFIRMATION_CODE_TIMEOUT_MS = 10 * 60_000;

const PROMPT_TIMEOUTS: Readonly<Record<PromptRequest['kind'], { message: string; hint: string }>> = {
  consent: { message: 'Nobody confirmed the profile download in time.', hint: 'Start the download again and confirm the profile when asked.' },
  'confirmation-code': { message: 'Nobody entered the confirmation code in time.', hint: 'Start the download again and enter the confirmation code when asked.' },
};

/** What a running operation gets: its cancellation signal, progress reporting and prompts. */
export interface OperationContext {
  readonly operationId: string;
  readonly deviceId: string;
  readonly signal: AbortSignal;
  progress(step: string, message: string, percent?: number): void;
  notice(level: 'info' | 'warning', message: string): void;
  /** Asks the user through a prompt event; rejects on cancel or (for consent) on timeout. */
  prompt<R extends PromptRequest>(request: R): Promise<AnswerOf<R['kind']>>;
}

/** What an operation body returns on success. */
export type OperationOutcome = Omit<OperationResult, 'operationId' | 'status' | 'error'>;

/** Finished operations whose result stays available to waitForOperation. */
export const FINISHED_KEPT = 100;

interface Running {
  readonly controller: AbortController;
  readonly done: Promise<OperationResult>;
  readonly waiting: Map<string, { kind: PromptRequest['kind']; resolve: (a: PromptAnswer) => void; reject: (e: unknown) => void }>;
  result?: OperationResult;
}

/**
 * Long-running operations (downloads, notification delivery): started with an id returned at once,
 * observed through events, cancelled through AbortSignal, answered through prompts.
 */
export class OperationRegistry {
  readonly #ops = new Map<string, Running>();

  constructor(private readonly events: EventBus) {}

  start(deviceId: string, body: (ctx: OperationContext) => Promise<OperationOutcome>): string {
    const operationId = randomUUID();
    const controller = new AbortController();
    const waiting: Running['waiting'] = new Map();
    const ctx: OperationContext = {
      operationId,
      deviceId,
      signal: controller.signal,
      progress: (step, message, percent) =>
        this.events.emit({ type: 'operation-progress', operationId, deviceId, step, message, ...(percent === undefined ? {} : { percent }) }),
      notice: (level, message) => this.events.emit({ type: 'notice', deviceId, level, message }),
      prompt: (request) => this.#ask(operationId, controller.signal, waiting, request),
    };
    const done = (async (): Promise<OperationResult> => {
      let result: OperationResult;
      try {
        const outcome = await body(ctx);
        result = { ...outcome, operationId, status: 'succeeded' };
      } catch (err) {
        const error = toApiError(err);
        result = { operationId, status: error.code === 'ABORTED' || controller.signal.aborted ? 'cancelled' : 'failed', error };
      }
      const running = this.#ops.get(operationId);
      if (running) running.result = result;
      this.#forgetOldFinished();
      this.events.emit({ type: 'operation-finished', result });
      return result;
    })();
    this.#ops.set(operationId, { controller, done, waiting });
    return operationId;
  }

  answer(operationId: string, answer: PromptAnswer): void {
    const pending = this.#get(operationId).waiting.get(answer.promptId);
    if (!pending || pending.kind !== answer.kind) {
      throw new WorkbenchError('OPERATION_NO_SUCH_PROMPT', `Operation ${operationId} is not waiting for that answer.`, 'The prompt may have timed out or been answered already.', {
        details: { operationId, promptId: answer.promptId },
      });
    }
    pending.resolve(answer);
  }

  cancel(operationId: string): void {
    this.#get(operationId).controller.abort();
  }

  wait(operationId: string): Promise<OperationResult> {
    return this.#get(operationId).done;
  }

  /** Cancels everything still running and waits for it to wind down (app shutdown). */
  async shutdown(): Promise<void> {
    for (const op of this.#ops.values()) if (!op.result) op.controller.abort();
    await Promise.allSettled([...this.#ops.values()].map((op) => op.done));
  }

  /** A long-running app keeps the outcome of the last {@link FINISHED_KEPT} operations, not all of them. */
  #forgetOldFinished(): void {
    const finished = [...this.#ops].filter(([, op]) => op.result !== undefined);
    for (const [id] of finished.slice(0, Math.max(0, finished.length - FINISHED_KEPT))) this.#ops.delete(id);
  }

  #get(operationId: string): Running {
    const op = this.#ops.get(operationId);
    if (!op) throw new WorkbenchError('OPERATION_UNKNOWN', `No operation with id ${operationId}.`, 'List operations again; the id may be from an earlier run.', { details: { operationId } });
    return op;
  }

  #ask<R extends PromptRequest>(operationId: string, signal: AbortSignal, waiting: Running['waiting'], request: R): Promise<AnswerOf<R['kind']>> {
    const promptId = randomUUID();
    return new Promise<AnswerOf<R['kind']>>((resolve, reject) => {
      const cancelled = (): WorkbenchError => new WorkbenchError('ABORTED', 'The operation was cancelled while waiting for an answer.', 'Start it again when ready.');
      if (signal.aborted) return reject(cancelled());
      // Every question times out: a front end that went away (closed page, lost connection) must not hold the card forever.
      const timeoutMs = request.kind === 'consent' ? request.timeoutMs : CONFIRMATION_CODE_TIMEOUT_MS;
      const timer = setTimeout(() => {
        cleanup();
        const { message, hint } = PROMPT_TIMEOUTS[request.kind];
        reject(new WorkbenchError('PROMPT_TIMEOUT', message, hint, { details: { timeoutMs } }));
      }, timeoutMs);
      const cleanup = (): void => {
        waiting.delete(promptId);
        signal.removeEventListener('abort', onAbort);
        clearTimeout(timer);
      };
      const onAbort = (): void => {
        cleanup();
        reject(cancelled());
      };
      signal.addEventListener('abort', onAbort, { once: true });
      waiting.set(promptId, {
        kind: request.kind,
        resolve: (answer) => {
          cleanup();
          resolve(answer as AnswerOf<R['kind']>);
        },
        reject,
      });
      const prompt = { ...request, promptId } as OperationPrompt;
      this.events.emit({ type: 'operation-prompt', operationId, prompt });
    });
  }
}

/** Any thrown value as the ApiError shape front ends receive. */
export function toApiError(err: unknown): { code: string; message: string; hint: string; details: Record<string, unknown> } {
  if (isWorkbenchError(err)) return err.toJSON();
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'INTERNAL_ERROR', message: `Unexpected internal error: ${message}`, hint: 'Please report this with the APDU log attached.', details: {} };
}
