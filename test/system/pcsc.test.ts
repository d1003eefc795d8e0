/**
 * The PC/SC transport against the real Debian pcscd with vsmartcard's vpcd driver: the virtual
 * eUICC (and a plain virtual SIM) sit in vpcd's two readers through VpcdClient; everything the
 * workbench does goes through libpcsclite → pcscd → vpcd → the virtual card. Answers are compared
 * byte for byte with the same card model reached in-process.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isWorkbenchError } from '../../shared/errors.js';
import { fromHex, toHex } from '../../shared/hex.js';
import { ApduLog } from '../../src-main/card/apdu-log.js';
import { CardSession } from '../../src-main/card/card-session.js';
import { openEs10, withEs10 } from '../../src-main/euicc/es10-session.js';
import type { Es10Client } from '../../src-main/euicc/es10-client.js';
import type { PcscEvent } from '../../src-main/links/pcsc-context.js';
import { PcscContext } from '../../src-main/links/pcsc-context.js';
import { createProfile } from '../../src-main/sim/euicc/state.js';
import type { VirtualEuicc } from '../../src-main/sim/euicc/virtual-euicc.js';
import { createVirtualEuicc } from '../../src-main/sim/euicc/virtual-euicc.js';
import type { VpcdClient } from '../../src-main/sim/vpcd/vpcd-client.js';
import { VPCD_DEFAULT_PORT } from '../../src-main/sim/vpcd/vpcd-protocol.js';
import { identifyCard } from '../../src-main/euicc/identify-card.js';
import { PcscDeviceProvider } from '../../src-main/services/providers/pcsc-provider.js';
import { PcscCardTransport } from '../../src-main/transports/pcsc/pcsc-transport.js';
import { generatedPki } from '../helpers/pki-fixtures.js';
import { VPCD_SLOTS, insertIntoVpcd } from '../helpers/pcsc-vpcd.js';
import { TEST_PROFILE, makeCard } from '../helpers/sim-card.js';
import { missingPcscTools, startPcscd } from '../helpers/sim-pcscd.js';
import type { PcscdHandle } from '../helpers/sim-pcscd.js';

const missing = missingPcscTools();
const EUICC_READER = VPCD_SLOTS[0].reader;
const SIM_READER = VPCD_SLOTS[1].reader;
const ISD_R = 'A0000005591010FFFFFFFF8900000100';
const SELECT_ISD_R = `00A4040010${ISD_R}00`;

/** A virtual eUICC with one installed profile; the same PKI gives the same EID every time. */
async function virtualEuiccWithProfile(): Promise<VirtualEuicc> {
  const euicc = await createVirtualEuicc({ pki: generatedPki() });
  await euicc.state.transaction((draft) => {
    draft.profiles.push(createProfile(TEST_PROFILE));
  });
  return euicc;
}

interface Es10Snapshot {
  eid: string;
  info1: unknown;
  profiles: unknown;
}

const snapshot = async (es10: Es10Client): Promise<Es10Snapshot> => ({ eid: await es10.getEid(), info1: await es10.getEuiccInfo1(), profiles: await es10.getProfilesInfo() });

describe.skipIf(missing.length > 0)(`PC/SC transport through real pcscd + vpcd${missing.length > 0 ? ` (skipped: not installed: ${missing.join(', ')})` : ''}`, () => {
  let pcscd: PcscdHandle | undefined;
  let context: PcscContext;
  const events: PcscEvent[] = [];
  let euicc: VirtualEuicc;
  /** The same card model in-process: what every PC/SC answer is compared with. */
  let reference: VirtualEuicc;
  const clients: VpcdClient[] = [];
  const sim = makeCard({ profile: TEST_PROFILE, applets: [] }).card;

  const openSession = async (reader: string): Promise<{ transport: PcscCardTransport; session: CardSession }> => {
    const transport = await PcscCardTransport.open(context, reader);
    return { transport, session: new CardSession(transport, new ApduLog()) };
  };

  beforeAll(async () => {
    pcscd = await startPcscd(VPCD_DEFAULT_PORT);
    context = new PcscContext();
    context.on((e) => events.push(e));
    await context.start();
    euicc = await virtualEuiccWithProfile();
    reference = await virtualEuiccWithProfile();
  });

  afterAll(async () => {
    for (const c of clients) await c.stop();
    await context?.close();
    await reference?.close();
    await pcscd?.stop();
  });

  it("lists vpcd's readers; inserting the virtual eUICC is a card-inserted event with its ATR", async () => {
    const names = (await context.readers()).map((r) => r.name);
    expect(names).toEqual(expect.arrayContaining([EUICC_READER, SIM_READER]));
    clients.push(await insertIntoVpcd(euicc.card, 0));
    const state = await context.waitForReader(EUICC_READER, (s) => s?.cardPresent === true, AbortSignal.timeout(15_000));
    const atrHex = toHex(euicc.card.atr).toUpperCase();
    expect(toHex(state?.atr ?? new Uint8Array(0)).toUpperCase()).toBe(atrHex);
    const inserted = events.find((e) => e.type === 'card-inserted' && e.reader === EUICC_READER);
    expect(inserted?.type === 'card-inserted' ? toHex(inserted.atr).toUpperCase() : undefined).toBe(atrHex);
  });

  it('SELECT ISD-R round trip: raw bytes and CardSession answers equal the in-process card', async () => {
    const { transport, session } = await openSession(EUICC_READER);
    expect(['T=0', 'T=1']).toContain(transport.protocol);
    expect(toHex(await transport.getAtr())).toBe(toHex(euicc.card.atr));
    const viaPcsc = await transport.transmit(fromHex(SELECT_ISD_R));
    expect(toHex(viaPcsc)).toBe(toHex(await reference.transport.transmit(fromHex(SELECT_ISD_R))));
    expect(toHex(viaPcsc).toUpperCase()).toBe('6121');
    const fci = await session.selectAid(ISD_R, { returns: 'fci' });
    const inProcess = await new CardSession(reference.transport, new ApduLog()).selectAid(ISD_R, { returns: 'fci' });
    expect(toHex(fci.data)).toBe(toHex(inProcess.data));
    expect(toHex(fci.data).toUpperCase()).toContain(`8410${ISD_R}`);
    await session.close();
  });

  it('an ES10 session over PC/SC: GetEID, GetEUICCInfo1 and GetProfilesInfo answer as in-process', async () => {
    const { session } = await openSession(EUICC_READER);
    const viaPcsc = await withEs10(session, snapshot);
    await session.close();
    const inProcess = await withEs10(new CardSession(reference.transport, new ApduLog()), snapshot);
    expect(viaPcsc.eid).toBe(euicc.identity.eid);
    expect(viaPcsc).toEqual(inProcess);
    expect(JSON.stringify(viaPcsc.profiles)).toContain(TEST_PROFILE.iccid.slice(0, 12));
  });

  it('identifyCard: the virtual eUICC is an euicc, a virtual card without ISD-R a sim', async () => {
    clients.push(await insertIntoVpcd(sim, 1));
    await context.waitForReader(SIM_READER, (s) => s?.cardPresent === true, AbortSignal.timeout(15_000));
    for (const [reader, type] of [
      [EUICC_READER, 'euicc'],
      [SIM_READER, 'sim'],
    ] as const) {
      const { session } = await openSession(reader);
      expect(await identifyCard(session)).toBe(type);
      await session.close();
    }
  });

  it('PcscDeviceProvider lists both readers with their cards and opens one', async () => {
    const provider = new PcscDeviceProvider({ context });
    const devices = await provider.list();
    expect(devices.filter((d) => d.id.startsWith('pcsc:Virtual PCD')).map((d) => [d.id, d.status, d.cardType])).toEqual([
      [`pcsc:${EUICC_READER}`, 'present', 'euicc'],
      [`pcsc:${SIM_READER}`, 'present', 'sim'],
    ]);
    const opened = await provider.open(`pcsc:${EUICC_READER}`);
    const session = new CardSession(opened.transport, new ApduLog());
    expect(await withEs10(session, (es10) => es10.getEid())).toBe(euicc.identity.eid);
    await session.close();
  });

  it('exclusive access by one program makes the reader busy for the next, with the hint', async () => {
    const other = new PcscContext();
    const holder = await PcscCardTransport.open(other, EUICC_READER, { shareMode: 'exclusive' });
    try {
      const err = await PcscCardTransport.open(context, EUICC_READER).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'PCSC_READER_BUSY', hint: expect.stringContaining('Close the other program') });
      expect((err as { details: Record<string, unknown> }).details).toMatchObject({ scardName: 'SCARD_E_SHARING_VIOLATION' });
    } finally {
      await holder.close();
      await other.close();
    }
  });

  it('warm reset through PC/SC: the channel opened before is gone', async () => {
    const { transport } = await openSession(EUICC_READER);
    expect(toHex(await transport.transmit(fromHex('0070000001')))).toBe('019000');
    expect(toHex(await transport.reset())).toBe(toHex(euicc.card.atr));
    // Channel 1 was freed by the reset, so it is handed out again.
    expect(toHex(await transport.transmit(fromHex('0070000001')))).toBe('019000');
    await transport.close();
  });

  it('card pulled in the middle of an ES10 command: CARD_REMOVED; re-inserted, the state is read again', async () => {
    const { session } = await openSession(EUICC_READER);
    const es10 = await openEs10(session);
    const before = await snapshot(es10);
    euicc.card.faults.set({ removeAtApdu: 1 });
    const err = await es10.getProfilesInfo().catch((e: unknown) => e);
    expect(isWorkbenchError(err, 'CARD_REMOVED'), JSON.stringify(err)).toBe(true);
    expect((err as Error).message).toMatch(/no longer reachable on pcsc:Virtual PCD 00 00/);
    await session.close();
    await context.waitForReader(EUICC_READER, (s) => s?.cardPresent === false, AbortSignal.timeout(15_000));
    expect(events.some((e) => e.type === 'card-removed' && e.reader === EUICC_READER)).toBe(true);

    euicc.card.faults.set({});
    euicc.card.insert();
    await context.waitForReader(EUICC_READER, (s) => s?.cardPresent === true, AbortSignal.timeout(15_000));
    const again = await openSession(EUICC_READER);
    const after = await withEs10(again.session, snapshot);
    await again.session.close();
    expect(after).toEqual(before);
  });
});
