import type { Unsubscribe, WorkbenchEvent } from '../../shared/api.js';

/** Fan-out of WorkbenchEvents to front ends. A failing listener never breaks the others. */
export class EventBus {
  readonly #listeners = new Set<(event: WorkbenchEvent) => void>();

  subscribe(listener: (event: WorkbenchEvent) => void): Unsubscribe {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  emit(event: WorkbenchEvent): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(event);
      } catch (err) {
        // A front end's bug must not stop an operation on a card; report it where developers look.
        console.error('[esim-workbench] event listener failed:', err);
      }
    }
  }
}
