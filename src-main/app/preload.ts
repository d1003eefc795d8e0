/**
 * Preload (sandboxed, bundled to CommonJS by scripts/build.mjs): exposes exactly one global,
 * `window.workbench`, shaped like WorkbenchApi. Each method is one `workbench:call` round trip; events
 * arrive on `workbench:event`. Errors reject with the plain ApiError object (Error fields would be lost
 * crossing the context bridge).
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { WORKBENCH_METHODS, type WorkbenchEvent } from '../../shared/api.js';
import { CALL_CHANNEL, EVENT_CHANNEL } from './channels.js';
import type { CallReply } from './dispatch.js';

async function call(method: string, args: unknown[]): Promise<unknown> {
  const reply = (await ipcRenderer.invoke(CALL_CHANNEL, { method, args })) as CallReply;
  if (reply.ok) return reply.result;
  throw reply.error;
}

function subscribe(listener: (event: WorkbenchEvent) => void): () => void {
  const onEvent = (_event: IpcRendererEvent, payload: WorkbenchEvent) => listener(payload);
  ipcRenderer.on(EVENT_CHANNEL, onEvent);
  return () => {
    ipcRenderer.removeListener(EVENT_CHANNEL, onEvent);
  };
}

const bridge = {
  ...Object.fromEntries(WORKBENCH_METHODS.map((method) => [method, (...args: unknown[]) => call(method, args)])),
  subscribe,
};

contextBridge.exposeInMainWorld('workbench', bridge);
