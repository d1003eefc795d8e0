import { describe, expect, it } from 'vitest';
import { WORKBENCH_METHODS, type WorkbenchEvent } from '../../../shared/api.js';
import { WorkbenchError } from '../../../shared/errors.js';
import { CALL_CHANNEL, EVENT_CHANNEL } from '../../../src-main/app/channels.js';
import { dispatchCall, toApiError } from '../../../src-main/app/dispatch.js';
import { createIpcHandler, forwardEvents } from '../../../src-main/app/ipc.js';
import { createFakeWorkbench, FAKE_VIRTUAL_ID } from '../../helpers/fake-workbench.js';

const sender = { sender: { id: 1 } };

describe('IPC channels', () => {
  it('uses exactly one call channel and one event channel', () => {
    expect(CALL_CHANNEL).toBe('workbench:call');
    expect(EVENT_CHANNEL).toBe('workbench:event');
  });
});

describe('createIpcHandler', () => {
  it('forwards a known method with its arguments and returns the result', async () => {
    const api = createFakeWorkbench();
    const handle = createIpcHandler(api);
    const reply = await handle(sender, { method: 'listProfiles', args: [FAKE_VIRTUAL_ID] });
    expect(reply.ok).toBe(true);
    expect(reply.ok && (reply.result as { iccid: string }[]).map((p) => p.iccid)).toEqual(['8944476500001224158', '8944476500001224166']);
    expect(api.calls.at(-1)).toEqual(['listProfiles', [FAKE_VIRTUAL_ID]]);
  });

  it.each(['subscribe', 'constructor', '__proto__', 'toString', 'emit', 'calls', '', 42, null])(
    'rejects %j as a method name without calling the API',
    async (method) => {
      const api = createFakeWorkbench();
      const reply = await createIpcHandler(api)(sender, { method, args: [] });
      expect(reply).toMatchObject({ ok: false, error: { code: 'BRIDGE_UNKNOWN_METHOD' } });
      expect(api.calls).toEqual([]);
    },
  );

  it.each([null, 'listDevices', ['listDevices'], 7])('rejects the non-object request %j', async (request) => {
    const reply = await createIpcHandler(createFakeWorkbench())(sender, request);
    expect(reply).toMatchObject({ ok: false, error: { code: 'BRIDGE_BAD_REQUEST' } });
  });

  it('rejects args that are not an array', async () => {
    const reply = await createIpcHandler(createFakeWorkbench())(sender, { method: 'listProfiles', args: FAKE_VIRTUAL_ID });
    expect(reply).toMatchObject({ ok: false, error: { code: 'BRIDGE_BAD_REQUEST' } });
  });

  it('treats missing args as no arguments', async () => {
    const reply = await createIpcHandler(createFakeWorkbench())(sender, { method: 'version' });
    expect(reply).toMatchObject({ ok: true, result: { app: 'eSIM Workbench', sgp22: '2.5.0' } });
  });

  it('serialises a WorkbenchError as a plain ApiError', async () => {
    const reply = await createIpcHandler(createFakeWorkbench())(sender, { method: 'getCardInfo', args: ['nope:0'] });
    expect(reply).toEqual({
      ok: false,
      error: { code: 'DEVICE_NOT_FOUND', message: 'No device "nope:0".', hint: 'Refresh the device list.', details: { deviceId: 'nope:0' } },
    });
    // Survives structured cloning/JSON unchanged: no Error instance inside.
    expect(JSON.parse(JSON.stringify(reply))).toEqual(reply);
  });

  it('refuses calls from untrusted senders', async () => {
    const api = createFakeWorkbench();
    const handle = createIpcHandler(api, (s) => s.id === 1);
    const reply = await handle({ sender: { id: 2 } }, { method: 'version', args: [] });
    expect(reply).toMatchObject({ ok: false, error: { code: 'BRIDGE_FORBIDDEN' } });
    expect(api.calls).toEqual([]);
    expect(await handle(sender, { method: 'version', args: [] })).toMatchObject({ ok: true });
  });
});

describe('toApiError', () => {
  it('keeps WorkbenchError fields', () => {
    const err = new WorkbenchError('CARD_SW_ERROR', 'Card said 6A82.', 'Check the AID.', { details: { sw: '6A82' } });
    expect(toApiError(err)).toEqual({ code: 'CARD_SW_ERROR', message: 'Card said 6A82.', hint: 'Check the AID.', details: { sw: '6A82' } });
  });

  it('maps plain errors and non-errors to INTERNAL_ERROR', () => {
    expect(toApiError(new TypeError('x is undefined'))).toMatchObject({ code: 'INTERNAL_ERROR', message: 'x is undefined', details: {} });
    expect(toApiError('boom')).toMatchObject({ code: 'INTERNAL_ERROR', message: 'boom' });
  });

  it('every bridged method is dispatchable', async () => {
    const api = createFakeWorkbench();
    for (const method of WORKBENCH_METHODS) {
      const reply = await dispatchCall(api, { method, args: [] });
      // Missing arguments may fail inside the fake, but never as an unknown method.
      if (!reply.ok) expect(reply.error.code).not.toBe('BRIDGE_UNKNOWN_METHOD');
    }
  });
});

describe('dispatchCall', () => {
  it('passes a JSON null argument as undefined (an omitted optional parameter)', async () => {
    const api = createFakeWorkbench();
    const reply = await dispatchCall(api, { method: 'processNotifications', args: [FAKE_VIRTUAL_ID, null] });
    expect(reply.ok).toBe(true);
    expect(api.calls.at(-1)).toEqual(['processNotifications', [FAKE_VIRTUAL_ID, undefined]]);
  });
});

describe('forwardEvents', () => {
  it('forwards every event until unsubscribed', () => {
    const api = createFakeWorkbench();
    const sent: WorkbenchEvent[] = [];
    const stop = forwardEvents(api, (e) => sent.push(e));
    const notice: WorkbenchEvent = { type: 'notice', level: 'warning', message: 'Logical channels refused; switched to QMI SAP.' };
    api.emit(notice);
    stop();
    api.emit({ type: 'notice', level: 'info', message: 'after' });
    expect(sent).toEqual([notice]);
  });

  it('survives a send that throws (window gone)', () => {
    const api = createFakeWorkbench();
    const seen: string[] = [];
    forwardEvents(api, () => {
      throw new Error('Object has been destroyed');
    });
    api.subscribe((e) => seen.push(e.type));
    expect(() => api.emit({ type: 'notice', level: 'info', message: 'x' })).not.toThrow();
    expect(seen).toEqual(['notice']);
  });
});
