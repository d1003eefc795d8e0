import { abortError } from '../../shared/errors.js';

/**
 * One operation per card at a time (ARCHITECTURE.md §6): jobs on the same key run strictly in
 * arrival order; jobs on different keys run concurrently. A job waiting in the queue can be
 * abandoned through its AbortSignal without disturbing the running one.
 */
export class CardLock {
  readonly #tails = new Map<string, Promise<void>>();

  async run<T>(key: string, job: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => mine);
    this.#tails.set(key, tail);
    try {
      await waitOrAbort(previous, signal, `Waiting for the card ${key}`);
      return await job();
    } finally {
      release();
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    }
  }

  /** True while a job holds or waits for `key`. */
  isBusy(key: string): boolean {
    return this.#tails.has(key);
  }
}

function waitOrAbort(p: Promise<void>, signal: AbortSignal | undefined, what: string): Promise<void> {
  if (!signal) return p;
  if (signal.aborted) return Promise.reject(abortError(what));
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => reject(abortError(what));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}
