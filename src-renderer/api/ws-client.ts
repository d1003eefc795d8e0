/**
 * WorkbenchApi over the web shell's WebSocket (/api): `{id, method, args}` → `{id, result|error}`,
 * events arrive as `{event}`. Calls made before the socket opens are queued.
 */
import { WORKBENCH_METHODS, type ApiError, type WorkbenchApi, type WorkbenchEvent } from '../../shared/api.js';
import { ApiCallError } from './errors.js';

interface Pending {
  resolve(value: unknown): void;
  reject(error: ApiCallError): void;
}

type ServerFrame = { id: string | number | null; result?: unknown; error?: ApiError } | { event: WorkbenchEvent };

export function createWebSocketApi(url: string, onConnectionLost: (error: ApiCallError) => void): WorkbenchApi {
  const socket = new WebSocket(url);
  const pending = new Map<number, Pending>();
  const queued: string[] = [];
  const listeners = new Set<(event: WorkbenchEvent) => void>();
  let nextId = 1;
  let lost: ApiCallError | undefined;

  socket.addEventListener('open', () => {
    for (const frame of queued.splice(0)) socket.send(frame);
  });
  socket.addEventListener('close', () => {
    lost = new ApiCallError({
      code: 'BRIDGE_DISCONNECTED',
      message: 'The connection to the workbench was lost.',
      hint: 'Check that `npm start` is still running, then reload the page (the URL must include #token=…).',
      details: {},
    });
    for (const p of pending.values()) p.reject(lost);
    pending.clear();
    onConnectionLost(lost);
  });
  socket.addEventListener('message', (message: MessageEvent<string>) => {
    const frame = JSON.parse(message.data) as ServerFrame;
    if ('event' in frame) {
      for (const listener of listeners) listener(frame.event);
      return;
    }
    const call = typeof frame.id === 'number' ? pending.get(frame.id) : undefined;
    if (!call || typeof frame.id !== 'number') return;
    pending.delete(frame.id);
    if (frame.error) call.reject(new ApiCallError(frame.error));
    else call.resolve(frame.result ?? undefined);
  });

  function call(method: string, args: unknown[]): Promise<unknown> {
    if (lost) return Promise.reject(lost);
    const id = nextId++;
    // JSON turns a trailing `undefined` (an omitted optional argument) into null, which means something else.
    const given = args.slice(0, args.findLastIndex((a) => a !== undefined) + 1);
    const frame = JSON.stringify({ id, method, args: given });
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      if (socket.readyState === WebSocket.OPEN) socket.send(frame);
      else queued.push(frame);
    });
  }

  const methods = Object.fromEntries(WORKBENCH_METHODS.map((m) => [m, (...args: unknown[]) => call(m, args)]));
  return {
    ...(methods as Omit<WorkbenchApi, 'subscribe'>),
    subscribe(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
  };
}
