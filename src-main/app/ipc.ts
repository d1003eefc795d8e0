/** Electron-free IPC wiring: what main.ts registers on ipcMain and how events reach the window. */
import type { Unsubscribe, WorkbenchApi, WorkbenchEvent } from '../../shared/api.js';
import { WorkbenchError } from '../../shared/errors.js';
import { dispatchCall, type CallReply } from './dispatch.js';

/** The minimum main.ts knows about the IPC sender (Electron's WebContents satisfies it). */
export interface IpcSender {
  readonly id: number;
}

/**
 * Handler for `ipcMain.handle(CALL_CHANNEL, …)`. Calls from any web contents other than the
 * trusted window (`isTrusted`) are refused, so a stray frame cannot drive the card.
 */
export function createIpcHandler(
  api: WorkbenchApi,
  isTrusted: (sender: IpcSender) => boolean = () => true,
): (event: { readonly sender: IpcSender }, request: unknown) => Promise<CallReply> {
  return async (event, request) => {
    if (!isTrusted(event.sender)) {
      const error = new WorkbenchError('BRIDGE_FORBIDDEN', 'This window may not call the workbench.', 'Use the main eSIM Workbench window.');
      return { ok: false, error: error.toJSON() };
    }
    return dispatchCall(api, request);
  };
}

/** Pushes every WorkbenchEvent to `send` (e.g. `webContents.send(EVENT_CHANNEL, …)`) until unsubscribed. */
export function forwardEvents(api: WorkbenchApi, send: (event: WorkbenchEvent) => void): Unsubscribe {
  return api.subscribe((event) => {
    try {
      send(event);
    } catch {
      // A window closing mid-send must not break the implementation's event loop.
    }
  });
}
