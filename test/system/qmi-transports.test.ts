/**
 * The workbench's own QMI transports against the virtual QMI modem over real carriers: the raw pty
 * (character-device link), MBIM framing on a pty, the modem's qmi-proxy-style abstract socket, and the
 * real libqmi qmi-proxy (in a private network namespace, reached through a socat bridge).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isWorkbenchError } from '../../shared/errors.js';
import { fromHex, toHex } from '../../shared/hex.js';
import type { ChannelCardTransport, RawCardTransport } from '../../src-main/card/transport.js';
import type { QmuxLocation } from '../../src-main/links/qmux-open.js';
import { startVirtualQmiModem } from '../../src-main/sim/qmi-modem/start-virtual-qmi-modem.js';
import type { RunningVirtualQmiModem } from '../../src-main/sim/qmi-modem/start-virtual-qmi-modem.js';
import { ISD_R_AID } from '../../src-main/card/files.js';
import { QMI_NOTICE, openQmiCard } from '../../src-main/transports/qmi/open-qmi-card.js';
import { NetnsProcess } from '../helpers/qmi-netns.js';
import { ISD_R_FCI, TEST_ATR, TEST_EID, createGatedEuicc, createScriptedEuicc } from '../helpers/qmi-scripted-card.js';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

const SELECT_ISD_R = fromHex('00A4040010A0000005591010FFFFFFFF8900000100');
const GET_EID = fromHex('80E2910006BF3E035C015A');
const sapEvents = (m: RunningVirtualQmiModem): string[] => m.modem.events.filter((e) => e.type === 'sap-connect' || e.type === 'sap-disconnect').map((e) => e.type);

/** Blank-card flow: refused channel → SAP → ATR, SELECT ISD-R, GET RESPONSE → close disconnects SAP. */
async function blankCardThroughSap(modem: RunningVirtualQmiModem, location: QmuxLocation): Promise<void> {
  const notices: string[] = [];
  const opened = await openQmiCard({ location, onNotice: (m) => notices.push(m) });
  expect(opened.mode).toBe('sap');
  expect(notices).toEqual([QMI_NOTICE['blank-card-refused']]);
  const t = opened.transport as RawCardTransport;
  try {
    expect(toHex(await t.getAtr())).toBe(toHex(TEST_ATR));
    expect(toHex(await t.transmit(SELECT_ISD_R))).toBe(toHex(Uint8Array.of(0x61, ISD_R_FCI.length)));
    expect(toHex(await t.transmit(Uint8Array.of(0x00, 0xc0, 0x00, 0x00, ISD_R_FCI.length)))).toBe(toHex(Uint8Array.from([...ISD_R_FCI, 0x90, 0x00])));
    expect(sapEvents(modem)).toEqual(['sap-connect']);
  } finally {
    await t.close();
  }
  expect(sapEvents(modem)).toEqual(['sap-connect', 'sap-disconnect']);
  expect(modem.modem.events.at(-1)).toMatchObject({ type: 'cid-released' });
}

describe('QMI transports on the pty endpoint (character device link)', () => {
  let modem: RunningVirtualQmiModem;
  afterEach(async () => modem.close());

  it('blank eUICC: logical channel refused → SAP fallback → ISD-R answers → SAP disconnect', async () => {
    modem = await startVirtualQmiModem({ card: createScriptedEuicc(), endpoints: [{ kind: 'pty' }] });
    await blankCardThroughSap(modem, { kind: 'qmux-device', path: modem.ptyPath ?? '' });
    expect(modem.modem.events).toContainEqual({ type: 'refused', message: 'uim.openLogicalChannel', error: 82 });
  });

  it('abort mid-exchange still sends SAP disconnect', async () => {
    const { card, reached: atCard, release } = createGatedEuicc();
    modem = await startVirtualQmiModem({ card, endpoints: [{ kind: 'pty' }] });
    const opened = await openQmiCard({ location: { kind: 'qmux-device', path: modem.ptyPath ?? '' } });
    const t = opened.transport as RawCardTransport;
    const controller = new AbortController();
    const pending = t.transmit(GET_EID, controller.signal).catch((e: unknown) => e);
    await atCard;
    controller.abort();
    release();
    expect(isWorkbenchError(await pending, 'ABORTED')).toBe(true);
    expect(sapEvents(modem)).toEqual(['sap-connect', 'sap-disconnect']);
    await t.close();
    expect(sapEvents(modem)).toEqual(['sap-connect', 'sap-disconnect']);
  });

  it('provisioned eUICC: logical channel to the ISD-R, GET EID on it, no SAP', async () => {
    modem = await startVirtualQmiModem({ card: createScriptedEuicc({ provisioned: true }), endpoints: [{ kind: 'pty' }] });
    const opened = await openQmiCard({ location: { kind: 'qmux-device', path: modem.ptyPath ?? '' } });
    expect(opened.mode).toBe('channel');
    const t = opened.transport as ChannelCardTransport;
    try {
      const ch = await t.openLogicalChannel(fromHex(ISD_R_AID));
      expect(toHex(await t.transmit(ch.channel, Uint8Array.of(0x80 | ch.channel, ...GET_EID.subarray(1))))).toBe('6115');
      expect(toHex(await t.transmit(ch.channel, Uint8Array.of(0x80 | ch.channel, 0xc0, 0, 0, 0x15)))).toBe(toHex(Uint8Array.from([...fromHex('BF3E125A10'), ...TEST_EID, 0x90, 0x00])));
    } finally {
      await t.close();
    }
    expect(sapEvents(modem)).toEqual([]);
  });

  it('names a missing device', async () => {
    modem = await startVirtualQmiModem({ card: createScriptedEuicc(), endpoints: [] });
    const err = await openQmiCard({ location: { kind: 'qmux-device', path: '/dev/cdc-wdm-does-not-exist' } }).catch((e: unknown) => e);
    expect(isWorkbenchError(err, 'QMI_DEVICE_NOT_FOUND')).toBe(true);
  });
});

describe('QMI over MBIM (the seed modem runs in MBIM mode)', () => {
  it('blank eUICC through SAP on the MBIM pty endpoint', async () => {
    const modem = await startVirtualQmiModem({ card: createScriptedEuicc(), endpoints: [{ kind: 'pty', framing: 'mbim' }] });
    try {
      await blankCardThroughSap(modem, { kind: 'mbim-device', path: modem.ptyPath ?? '' });
    } finally {
      await modem.close();
    }
  });

  it('blank eUICC through SAP via an mbim-proxy-style socket', async () => {
    const name = `ewb-test-mbim-proxy-${process.pid}`;
    const modem = await startVirtualQmiModem({ card: createScriptedEuicc(), endpoints: [{ kind: 'abstract', framing: 'mbim', name }] });
    try {
      await blankCardThroughSap(modem, { kind: 'mbim-proxy', devicePath: '/dev/cdc-wdm0', socketName: name });
    } finally {
      await modem.close();
    }
  });
});

describe('QMI through proxies', () => {
  it("the modem's qmi-proxy-style socket receives the 0xFF00 open with the device path", async () => {
    // A unique name in this namespace: it cannot clash with a system qmi-proxy.
    const name = `ewb-test-qmi-proxy-${process.pid}`;
    const modem = await startVirtualQmiModem({ card: createScriptedEuicc(), endpoints: [{ kind: 'abstract', name }] });
    try {
      await blankCardThroughSap(modem, { kind: 'qmi-proxy', devicePath: '/dev/cdc-wdm7', socketName: name });
      expect(modem.modem.events).toContainEqual({ type: 'proxy-open', devicePath: '/dev/cdc-wdm7' });
    } finally {
      await modem.close();
    }
  });

  it('reports a proxy that is not running', async () => {
    const err = await openQmiCard({ location: { kind: 'qmi-proxy', devicePath: '/dev/cdc-wdm0', socketName: `ewb-nobody-${process.pid}` } }).catch((e: unknown) => e);
    expect(isWorkbenchError(err, 'QMI_PROXY_UNAVAILABLE')).toBe(true);
  });

  describe('the real libqmi qmi-proxy (private network namespace)', () => {
    let modem: RunningVirtualQmiModem;
    let proxy: NetnsProcess;
    let bridge: ChildProcess;
    const bridgeName = `ewb-test-bridge-${process.pid}`;
    beforeAll(async () => {
      modem = await startVirtualQmiModem({ card: createScriptedEuicc(), endpoints: [{ kind: 'pty' }] });
      proxy = NetnsProcess.start('/usr/libexec/qmi-proxy', ['--no-exit']);
      await proxy.waitForAbstractSocket('qmi-proxy');
      // Our process lives in the host namespace: relay a unique host name into the proxy's namespace.
      bridge = spawn('socat', [`ABSTRACT-LISTEN:${bridgeName},fork`, `EXEC:nsenter --net=/proc/${proxy.pid}/ns/net socat STDIO ABSTRACT-CONNECT\\:qmi-proxy`], { stdio: 'ignore' });
      for (let i = 0; i < 200 && !fs.readFileSync('/proc/net/unix', 'utf8').includes(`@${bridgeName}`); i++) await sleep(10);
    });
    afterAll(async () => {
      const exited = new Promise<void>((r) => bridge.once('exit', () => r()));
      bridge.kill();
      await exited;
      await proxy.stop();
      await modem.close();
    });

    it('SAP messages pass through qmi-proxy: blank eUICC reached and handed back', async () => {
      await blankCardThroughSap(modem, { kind: 'qmi-proxy', devicePath: modem.ptyPath ?? '', socketName: bridgeName });
      // The proxy consumed the 0xFF00 open; the modem saw only standard CTL/UIM traffic.
      expect(modem.modem.events.some((e) => e.type === 'proxy-open')).toBe(false);
    });
  });
});
