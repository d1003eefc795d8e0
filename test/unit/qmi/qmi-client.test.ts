import { describe, expect, it } from 'vitest';
import { isWorkbenchError } from '../../../shared/errors.js';
import { toHex } from '../../../shared/hex.js';
import { QMI_MODEM_PROFILES } from '../../../src-main/sim/qmi-modem/modem-profiles.js';
import { VirtualQmiModem } from '../../../src-main/sim/qmi-modem/virtual-qmi-modem.js';
import { QmuxConnection } from '../../../src-main/transports/qmi/qmi-client.js';
import type { QmiLogLevel } from '../../../src-main/transports/qmi/qmi-client.js';
import { buildQmiFrame } from '../../../src-main/transports/qmi/qmi-codec.js';
import { encodeQmuxFrame } from '../../../src-main/transports/qmi/qmux.js';
import { judgeSlot, parseCardStatus } from '../../../src-main/transports/qmi/uim-status.js';
import { MemoryQmuxLink } from '../../helpers/qmi-memory-link.js';
import { TEST_ATR, createScriptedEuicc } from '../../helpers/qmi-scripted-card.js';

async function setup(options: { provisioned?: boolean; chunkSize?: number; proxyDevicePath?: string } = {}) {
  const card = createScriptedEuicc({ provisioned: options.provisioned ?? false });
  const modem = new VirtualQmiModem(card, QMI_MODEM_PROFILES['sierra-em7455']);
  await modem.start();
  const link = new MemoryQmuxLink(modem, { chunkSize: options.chunkSize ?? 3, ...(options.proxyDevicePath ? { proxyDevicePath: options.proxyDevicePath } : {}) });
  const logs: { level: QmiLogLevel; message: string }[] = [];
  const connection = await QmuxConnection.open(link, { onLog: (level, message) => logs.push({ level, message }), timeoutMs: 2000 });
  return { card, modem, link, logs, connection };
}

describe('QmiClient over a QmuxConnection', () => {
  it('allocates a UIM client id, reads card status and releases the id on close', async () => {
    const { modem, connection } = await setup({ chunkSize: 1 });
    const client = await connection.allocateClient('uim');
    expect(client.clientId).toBe(1);
    const status = parseCardStatus(await client.request('uim.getCardStatus'));
    expect(judgeSlot(status, 1)).toEqual({ kind: 'no-usable-application' });
    expect(toHex(await client.request('uim.getAtr', { slot: 1 }).then((v) => v.atr as Uint8Array))).toBe(toHex(TEST_ATR));
    await connection.close();
    expect(modem.events.filter((e) => e.type === 'cid-allocated' || e.type === 'cid-released')).toEqual([
      { type: 'cid-allocated', service: 0x0b, clientId: 1 },
      { type: 'cid-released', service: 0x0b, clientId: 1 },
    ]);
  });

  it('sends the qmi-proxy open (0xFF00) first when the link goes through the proxy', async () => {
    const { modem, link } = await setup({ proxyDevicePath: '/dev/cdc-wdm0' });
    expect(toHex(link.written[0] ?? new Uint8Array())).toBe(toHex(Uint8Array.from([0x01, 0x1b, 0, 0, 0, 0, 0, 1, 0x00, 0xff, 0x10, 0, 0x01, 0x0d, 0, ...Buffer.from('/dev/cdc-wdm0')])));
    expect(modem.events).toContainEqual({ type: 'proxy-open', devicePath: '/dev/cdc-wdm0' });
  });

  it('turns a failed result into QMI_PROTOCOL_ERROR with the libqmi error name', async () => {
    const { connection } = await setup();
    const client = await connection.allocateClient('uim');
    const err = await client.request('uim.openLogicalChannel', { slot: 1, aid: Uint8Array.of(0xa0, 0, 0, 5, 0x59) }).catch((e: unknown) => e);
    expect(isWorkbenchError(err, 'QMI_PROTOCOL_ERROR')).toBe(true);
    expect((err as Error).message).toBe("Open Logical Channel failed: QMI protocol error (82): 'AccessDenied'.");
  });

  it('routes indications by client id, accepts broadcast, and ignores stray ones with a log note', async () => {
    const { link, logs, connection } = await setup();
    const client = await connection.allocateClient('uim');
    const seen: unknown[] = [];
    client.onIndication('uim.sapConnectionIndication', (v) => seen.push(v));
    const ind = (cid: number, state: number): Uint8Array => encodeQmuxFrame(buildQmiFrame('uim.sapConnectionIndication', 'indication', { clientId: cid, transactionId: 0 }, { sapState: state, slot: 1 }));
    link.inject(ind(9, 1)); // someone else's client
    link.inject(ind(client.clientId, 2));
    link.inject(ind(0xff, 5));
    await client.request('uim.getAtr', { slot: 1 }); // flushes the injected reads
    expect(seen).toEqual([
      { sapState: 2, slot: 1 },
      { sapState: 5, slot: 1 },
    ]);
    expect(logs.some((l) => /Stray indication 'SAP Connection' for client 9/.test(l.message))).toBe(true);
  });

  it('ignores stray responses and garbage bytes, logging them', async () => {
    const { link, logs, connection } = await setup();
    const client = await connection.allocateClient('uim');
    link.inject(encodeQmuxFrame(buildQmiFrame('uim.getAtr', 'response', { clientId: client.clientId, transactionId: 999 }, { atr: TEST_ATR })));
    link.inject(Uint8Array.of(0x55, 0x66));
    const atr = await client.request('uim.getAtr', { slot: 1 });
    expect(toHex(atr.atr as Uint8Array)).toBe(toHex(TEST_ATR));
    expect(logs.map((l) => l.message).join('\n')).toMatch(/Stray response ignored[\s\S]*framing error/);
  });

  it('times out when the modem does not answer, and aborts on the signal', async () => {
    const link = new MemoryQmuxLink(undefined);
    const connection = await QmuxConnection.open(link, { timeoutMs: 20 });
    const err = await connection.ctlRequest('ctl.getVersionInfo').catch((e: unknown) => e);
    expect(isWorkbenchError(err, 'QMI_TIMEOUT')).toBe(true);
    const controller = new AbortController();
    const pending = connection.ctlRequest('ctl.getVersionInfo', {}, { signal: controller.signal, timeoutMs: 60_000 });
    controller.abort();
    expect(isWorkbenchError(await pending.catch((e: unknown) => e), 'ABORTED')).toBe(true);
  });

  it('fails pending requests when the link drops', async () => {
    const link = new MemoryQmuxLink(undefined);
    const connection = await QmuxConnection.open(link, { timeoutMs: 60_000 });
    const pending = connection.ctlRequest('ctl.getVersionInfo');
    link.drop();
    expect(isWorkbenchError(await pending.catch((e: unknown) => e), 'QMI_LINK_CLOSED')).toBe(true);
    expect(isWorkbenchError(await connection.ctlRequest('ctl.sync').catch((e: unknown) => e), 'QMI_LINK_CLOSED')).toBe(true);
  });

  it('answers unknown messages with InvalidQmiCommand (the modem side)', async () => {
    const { link, connection } = await setup({ chunkSize: 4096 });
    const client = await connection.allocateClient('uim');
    const raw = await new Promise<Uint8Array>((resolve) => {
      link.onData(resolve);
      void link.write(encodeQmuxFrame({ service: 0x0b, clientId: client.clientId, kind: 'request', transactionId: 77, messageId: 0x0099, tlvs: [] }));
    });
    expect(toHex(raw.subarray(0, 3))).toBe('011300');
    expect(toHex(raw.subarray(raw.length - 4))).toBe('01004700');
  });
});
