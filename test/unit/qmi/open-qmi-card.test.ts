import { describe, expect, it } from 'vitest';
import { isWorkbenchError } from '../../../shared/errors.js';
import { fromHex, toHex } from '../../../shared/hex.js';
import type { ChannelCardTransport, RawCardTransport } from '../../../src-main/card/transport.js';
import type { ModemSimCard } from '../../../src-main/sim/qmi-modem/modem-card.js';
import type { QmiModemProfileName } from '../../../src-main/sim/qmi-modem/modem-profiles.js';
import { QMI_MODEM_PROFILES } from '../../../src-main/sim/qmi-modem/modem-profiles.js';
import { VirtualQmiModem } from '../../../src-main/sim/qmi-modem/virtual-qmi-modem.js';
import { ISD_R_AID } from '../../../src-main/card/files.js';
import { QMI_NOTICE, openQmiCard } from '../../../src-main/transports/qmi/open-qmi-card.js';
import { MemoryQmuxLink } from '../../helpers/qmi-memory-link.js';
import { ISD_R_FCI, TEST_ATR, TEST_EID, createGatedEuicc, createScriptedEuicc } from '../../helpers/qmi-scripted-card.js';

const SELECT_ISD_R = fromHex('00A4040010A0000005591010FFFFFFFF8900000100');
const GET_EID = fromHex('80E2910006BF3E035C015A');

async function open(card: ModemSimCard, profile: QmiModemProfileName = 'sierra-em7455', mode: 'auto' | 'channel' | 'sap' = 'auto', signal?: AbortSignal) {
  const modem = new VirtualQmiModem(card, QMI_MODEM_PROFILES[profile]);
  await modem.start();
  const notices: string[] = [];
  const opened = await openQmiCard({ location: { kind: 'link', link: new MemoryQmuxLink(modem, { chunkSize: 7 }) }, mode, onNotice: (m) => notices.push(m), ...(signal ? { signal } : {}) });
  return { modem, notices, opened };
}

const types = (modem: VirtualQmiModem): string[] => modem.events.map((e) => (e.type === 'request' ? `req:${e.message}` : e.type));

describe('openQmiCard on the seed modem (EM7455) with a blank eUICC', () => {
  it('finds logical channels refused, falls back to SAP, reaches the ISD-R and disconnects SAP on close', async () => {
    const card = createScriptedEuicc();
    const { modem, notices, opened } = await open(card);
    expect(opened.mode).toBe('sap');
    expect(opened.fallbackReason).toBe('blank-card-refused');
    expect(notices).toEqual(['logical channels refused by the modem (blank eUICC): using QMI UIM SAP']);
    expect(modem.events).toContainEqual({ type: 'refused', message: 'uim.openLogicalChannel', error: 82 });
    const t = opened.transport as RawCardTransport;
    expect(t.shape).toBe('raw');
    expect(t.info.kind).toBe('qmi');
    expect(toHex(await t.getAtr())).toBe(toHex(TEST_ATR));
    // Raw T=0 access: the SELECT answers 61xx and the host does GET RESPONSE itself.
    const select = await t.transmit(SELECT_ISD_R);
    expect(toHex(select)).toBe(toHex(Uint8Array.of(0x61, ISD_R_FCI.length)));
    const fci = await t.transmit(Uint8Array.of(0x00, 0xc0, 0x00, 0x00, ISD_R_FCI.length));
    expect(toHex(fci)).toBe(toHex(Uint8Array.from([...ISD_R_FCI, 0x90, 0x00])));
    expect(card.received).toContain(toHex(SELECT_ISD_R).toUpperCase());
    expect(types(modem)).not.toContain('sap-disconnect');
    await t.close();
    await t.close(); // idempotent
    expect(types(modem).filter((x) => x.startsWith('sap-'))).toEqual(['sap-connect', 'sap-disconnect']);
    expect(types(modem).at(-1)).toBe('cid-released');
  });

  it('sends SAP disconnect when an APDU exchange is aborted mid-way', async () => {
    const { card, reached: atCard, release: releaseGate } = createGatedEuicc();
    const { modem, opened } = await open(card);
    const controller = new AbortController();
    const t = opened.transport as RawCardTransport;
    const pending = t.transmit(GET_EID, controller.signal).catch((e: unknown) => e);
    await atCard;
    controller.abort();
    releaseGate();
    const err = await pending;
    expect(isWorkbenchError(err, 'ABORTED')).toBe(true);
    expect(types(modem).filter((x) => x.startsWith('sap-'))).toEqual(['sap-connect', 'sap-disconnect']);
    const afterAbort = await t.transmit(GET_EID).catch((e: unknown) => e);
    expect(isWorkbenchError(afterAbort, 'QMI_SAP_DISCONNECTED')).toBe(true);
    await t.close();
    expect(types(modem).filter((x) => x === 'sap-disconnect')).toHaveLength(1);
  });

  it('hands the card back provisioned: after SAP disconnect the modem re-probes and channels work', async () => {
    const card = createScriptedEuicc();
    const first = await open(card);
    card.provisioned = true; // stands in for the profile download over SAP
    await first.opened.transport.close();
    const link = new MemoryQmuxLink(first.modem, { chunkSize: 5 });
    const notices: string[] = [];
    const again = await openQmiCard({ location: { kind: 'link', link }, onNotice: (m) => notices.push(m) });
    expect(again.mode).toBe('channel');
    expect(notices).toEqual([]);
    await again.transport.close();
  });

  it('refuses an explicit channel mode with QMI_LOGICAL_CHANNEL_REFUSED and releases the client id', async () => {
    const card = createScriptedEuicc();
    const modem = new VirtualQmiModem(card, QMI_MODEM_PROFILES['sierra-em7455']);
    await modem.start();
    const err = await openQmiCard({ location: { kind: 'link', link: new MemoryQmuxLink(modem) }, mode: 'channel' }).catch((e: unknown) => e);
    expect(isWorkbenchError(err, 'QMI_LOGICAL_CHANNEL_REFUSED')).toBe(true);
    expect((err as Error).message).toMatch(/AccessDenied/);
    expect(types(modem).at(-1)).toBe('cid-released');
  });
});

describe('openQmiCard with a provisioned card', () => {
  it('uses logical channels, handing out the probe channel, and sends APDUs on it', async () => {
    const card = createScriptedEuicc({ provisioned: true });
    const { modem, notices, opened } = await open(card);
    expect(opened.mode).toBe('channel');
    expect(notices).toEqual([]);
    const t = opened.transport as ChannelCardTransport;
    const ch = await t.openLogicalChannel(fromHex(ISD_R_AID));
    expect(ch.channel).toBe(1);
    expect(toHex(ch.selectResponse ?? new Uint8Array())).toBe(toHex(Uint8Array.from([...ISD_R_FCI, 0x90, 0x00])));
    const eid = await t.transmit(ch.channel, Uint8Array.of(0x81, ...GET_EID.subarray(1)));
    expect(toHex(eid)).toBe(toHex(Uint8Array.of(0x61, 21)));
    const body = await t.transmit(ch.channel, fromHex('81C0000015'));
    expect(toHex(body)).toBe(toHex(Uint8Array.from([...fromHex('BF3E125A10'), ...TEST_EID, 0x90, 0x00])));
    await t.closeLogicalChannel(ch.channel);
    expect(card.received).toContain('0070800100');
    await t.close();
    expect(types(modem)).not.toContain('sap-connect');
  });

  it('falls back to SAP on a modem that refuses logical channels for every card (SIM7600)', async () => {
    const { notices, opened } = await open(createScriptedEuicc({ provisioned: true }), 'simcom-sim7600');
    expect(opened.mode).toBe('sap');
    expect(notices).toEqual([QMI_NOTICE['logical-channel-refused']]);
    await opened.transport.close();
  });

  it('reports an absent card (slot switched away) as CARD_ABSENT', async () => {
    const card = createScriptedEuicc({ provisioned: true });
    const modem = new VirtualQmiModem(card, QMI_MODEM_PROFILES.permissive);
    await modem.start();
    await modem.ops.switchSlot(2);
    const err = await openQmiCard({ location: { kind: 'link', link: new MemoryQmuxLink(modem) } }).catch((e: unknown) => e);
    expect(isWorkbenchError(err, 'CARD_ABSENT')).toBe(true);
  });
});
