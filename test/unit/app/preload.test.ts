import { beforeAll, describe, expect, it, vi } from 'vitest';
import { WORKBENCH_METHODS, type WorkbenchApi, type WorkbenchEvent } from '../../../shared/api.js';

// The preload only talks to `electron`; a stand-in records what it exposes and sends.
const exposed = new Map<string, unknown>();
const invoked: unknown[][] = [];
const handlers = new Map<string, (event: unknown, payload: unknown) => void>();
let nextReply: unknown = { ok: true, result: [] };

vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, value: unknown) => exposed.set(key, value) },
  ipcRenderer: {
    invoke: async (...args: unknown[]) => {
      invoked.push(args);
      return nextReply;
    },
    on: (channel: string, handler: (event: unknown, payload: unknown) => void) => handlers.set(channel, handler),
    removeListener: (channel: string) => handlers.delete(channel),
  },
}));

let bridge: WorkbenchApi;
beforeAll(async () => {
  await import('../../../src-main/app/preload.js');
  bridge = exposed.get('workbench') as WorkbenchApi;
});

describe('preload', () => {
  it('exposes exactly one global, `workbench`, with the bridged methods and subscribe', () => {
    expect([...exposed.keys()]).toEqual(['workbench']);
    expect(Object.keys(bridge).sort()).toEqual([...WORKBENCH_METHODS, 'subscribe'].sort());
  });

  it('sends every call as {method, args} on workbench:call', async () => {
    nextReply = { ok: true, result: [{ id: 'virtual:default' }] };
    await expect(bridge.listProfiles('virtual:default')).resolves.toEqual([{ id: 'virtual:default' }]);
    expect(invoked.at(-1)).toEqual(['workbench:call', { method: 'listProfiles', args: ['virtual:default'] }]);
  });

  it('rejects with the plain ApiError of an error reply', async () => {
    const error = { code: 'DEVICE_NOT_FOUND', message: 'No device.', hint: 'Refresh.', details: {} };
    nextReply = { ok: false, error };
    await expect(bridge.getCardInfo('x')).rejects.toEqual(error);
  });

  it('delivers workbench:event payloads until unsubscribed', () => {
    const seen: WorkbenchEvent[] = [];
    const stop = bridge.subscribe((e) => seen.push(e));
    const event: WorkbenchEvent = { type: 'notice', level: 'info', message: 'hello' };
    handlers.get('workbench:event')?.({}, event);
    stop();
    expect(seen).toEqual([event]);
    expect(handlers.has('workbench:event')).toBe(false);
  });
});
