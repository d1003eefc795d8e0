import { describe, expect, it } from 'vitest';
import { isWorkbenchError } from '../../../shared/errors.js';
import { concatBytes, fromHex, toHex } from '../../../shared/hex.js';
import { ApduLog } from '../../../src-main/card/apdu-log.js';
import { CardSession } from '../../../src-main/card/card-session.js';
import { VirtualAtModem } from '../../../src-main/sim/at-modem/interpreter.js';
import type { ModemSimCard } from '../../../src-main/sim/at-modem/sim-card.js';
import { channelOfCla } from '../../../src-main/transports/at/apdu-text.js';
import { crsmReadBinary, crsmStatus, decodeIccid } from '../../../src-main/transports/at/crsm.js';
import { AtEngine } from '../../../src-main/transports/at/engine.js';
import { createAtCardTransport, prepareAtModem } from '../../../src-main/transports/at/modem.js';
import { probeAtModem } from '../../../src-main/transports/at/probe.js';
import { AT_QUIRK_PROFILES } from '../../../src-main/transports/at/quirks.js';
import { recordingCard, virtualModemLink } from '../../helpers/at-links.js';
import { TEST_PROFILE, makeCard, seed000Exchanges } from '../../helpers/sim-card.js';
import { rejectionOf } from '../../helpers/rejections.js';

const ISD_R = 'A0000005591010FFFFFFFF8900000100';
/** A request TLV long enough to need two STORE DATA blocks at 120 bytes and a long +CGLA line. */
const LONG_REQUEST = concatBytes(fromHex('BF3E81C3'), new Uint8Array(195).fill(0xa5));

async function modemWith(profile: string, card: ModemSimCard | undefined): Promise<{ modem: VirtualAtModem; engine: AtEngine }> {
  const modem = new VirtualAtModem({ card, profile });
  await modem.powerUp();
  return { modem, engine: new AtEngine(virtualModemLink(modem), { defaultTimeoutMs: 2000, quietMs: 10 }) };
}

describe('virtual AT modem start-up', () => {
  it('probes the card with the commands of the seed-000 trace and finds a blank eUICC unusable', async () => {
    const card = recordingCard(makeCard().card);
    const modem = new VirtualAtModem({ card, profile: 'seed-em7455' });
    const startUp = await modem.powerUp();
    expect(startUp.state).toBe('no-usable-sim');
    const seedCommands = new Set(seed000Exchanges().map((e) => e.command));
    for (const c of card.commands) expect(seedCommands.has(c)).toBe(true);
    expect(card.commands).toContain('00A40804022FE2');
    expect(startUp.trace.find((t) => t.command === '00A40804022FE2')?.response).toBe('6A82');
  });

  it('reads the ICCID of a card with an enabled profile', async () => {
    const modem = new VirtualAtModem({ card: makeCard({ profile: TEST_PROFILE }).card });
    expect(await modem.powerUp()).toMatchObject({ state: 'ready', iccid: TEST_PROFILE.iccid });
    expect(await modem.handleLine('AT+CCID')).toBe(`AT+CCID\r\r\n+CCID: ${TEST_PROFILE.iccid}\r\n\r\nOK\r\n`);
  });

  it('formats results per ATE/ATV/+CMEE', async () => {
    const modem = new VirtualAtModem({ card: makeCard().card, profile: 'generic' });
    await modem.powerUp();
    expect(await modem.handleLine('ATE0V0')).toBe('ATE0V0\r0\r');
    expect(await modem.handleLine('AT+CPIN?')).toBe('4\r');
    expect(await modem.handleLine('ATV1;+CMEE=2')).toBe('\r\nOK\r\n');
    expect(await modem.handleLine('AT+CPIN?')).toBe('\r\n+CME ERROR: SIM not inserted\r\n');
    expect(await modem.handleLine('AT+CMEE=1;+CPIN?')).toBe('\r\n+CME ERROR: 10\r\n');
  });
});

describe('quirk profiles of the virtual AT modem, driven through the AT transports and the card layer', () => {
  for (const profile of AT_QUIRK_PROFILES) {
    it(`${profile.id}: opens the ISD-R and runs a chained STORE DATA`, async () => {
      const card = recordingCard(makeCard({ profile: TEST_PROFILE }).card);
      const { engine } = await modemWith(profile.id, card);
      const prepared = await prepareAtModem(engine, { profile: profile.id });
      expect(prepared.selection.profile.id).toBe(profile.id);
      const transport = createAtCardTransport(engine, profile);
      expect(transport.shape).toBe(profile.commands.ccho ? 'channel' : 'raw');
      const session = new CardSession(transport, new ApduLog(), { storeDataSegmentSize: 120 });
      const channel = await session.openLogicalChannel(ISD_R);
      const answer = await channel.storeData(LONG_REQUEST);
      expect(toHex(answer)).toBe(toHex(concatBytes(Uint8Array.of(0x30, LONG_REQUEST.length), LONG_REQUEST)));
      await channel.close();
      // Every STORE DATA reached the card on the channel the card opened for the ISD-R.
      const opened = card.exchanges.filter((e) => e.command === '0070000001').at(-1);
      const cardChannel = parseInt(opened?.response.slice(0, 2) ?? 'FF', 16);
      const storeData = card.commands.filter((c) => c.slice(2, 4) === 'E2');
      expect(storeData.length).toBe(2);
      for (const c of storeData) expect(channelOfCla(parseInt(c.slice(0, 2), 16))).toBe(cardChannel);
      await session.close();
    });
  }

  it('seed-em7455 with a blank eUICC: both transport shapes raise AT_MODEM_REFUSES_BLANK_EUICC', async () => {
    const { engine } = await modemWith('seed-em7455', makeCard().card);
    const { selection } = await prepareAtModem(engine);
    expect(selection.profile.id).toBe('seed-em7455');
    for (const shape of ['raw', 'channel'] as const) {
      const session = new CardSession(createAtCardTransport(engine, selection.profile, { shape, ownsEngine: false }), new ApduLog());
      const err = await rejectionOf(session.openLogicalChannel(ISD_R));
      expect(isWorkbenchError(err, 'AT_MODEM_REFUSES_BLANK_EUICC') || isWorkbenchError((err as Error).cause, 'AT_MODEM_REFUSES_BLANK_EUICC')).toBe(true);
    }
  });

  it('EM7590: the =? test form fails although +CGLA works', async () => {
    const { engine } = await modemWith('sierra-em7590', makeCard({ profile: TEST_PROFILE }).card);
    await prepareAtModem(engine);
    expect((await engine.send('AT+CGLA=?')).final.outcome).toBe('error');
    expect((await engine.send('AT+CCHO=?')).final.outcome).toBe('error');
    expect((await engine.send(`AT+CCHO="${ISD_R}"`)).final.outcome).toBe('ok');
  });

  it('MC7455 emulation: a host that sets the CLA channel bits itself reaches the wrong channel', async () => {
    const card = recordingCard(makeCard({ profile: TEST_PROFILE }).card);
    const { modem } = await modemWith('sierra-mc7455', card);
    const opened = await modem.handleLine(`AT+CCHO="${ISD_R}"`);
    const handle = /\+CCHO: ([0-9a-f]{16})/.exec(opened)?.[1];
    expect(handle).toBeDefined();
    await modem.handleLine(`AT+CGLA=${handle},10,"82F2000000"`);
    expect(card.commands.at(-1)?.slice(0, 2)).toBe('83');
    await modem.handleLine(`AT+CGLA=${handle},10,"80F2000000"`);
    expect(card.commands.at(-1)?.slice(0, 2)).toBe('81');
  });

  it('DW5821e has no +CCHO; the factory picks +CSIM', async () => {
    const { engine } = await modemWith('dell-dw5821e', makeCard({ profile: TEST_PROFILE }).card);
    const { selection } = await prepareAtModem(engine);
    expect((await engine.send(`AT+CCHO="${ISD_R}"`)).final.outcome).toBe('error');
    expect(createAtCardTransport(engine, selection.profile).shape).toBe('raw');
  });

  it('+CRSM reads EF.ICCID and STATUS through the modem', async () => {
    const { engine } = await modemWith('generic', makeCard({ profile: TEST_PROFILE }).card);
    await prepareAtModem(engine);
    const iccid = await crsmReadBinary(engine, 0x2fe2, 10);
    expect([iccid.sw1, iccid.sw2]).toEqual([0x90, 0x00]);
    expect(decodeIccid(iccid.data)).toBe(TEST_PROFILE.iccid);
    const missing = await crsmReadBinary(engine, 0x6f07, 9);
    expect([missing.sw1, missing.sw2]).not.toEqual([0x90, 0x00]);
    expect((await crsmStatus(engine)).sw1).toBe(0x90);
  });
});

describe('probeAtModem', () => {
  it('diagnoses the seed-000 modem with a blank eUICC and recommends QMI SAP', async () => {
    const { engine } = await modemWith('seed-em7455', makeCard().card);
    await prepareAtModem(engine);
    const probe = await probeAtModem(engine);
    expect(probe.ati).toContain('Model: EM7455');
    expect(probe.quirkProfile.id).toBe('seed-em7455');
    expect(probe.sim.readiness).toBe('no-usable-sim');
    expect(probe.iccid).toBeUndefined();
    expect(probe.access.csim.works).toBe(false);
    expect(probe.access.channel.works).toBe(false);
    expect(probe.usat.uiccState).toMatchObject({ state: 2 });
    expect(probe.usat.profiles.find((p) => p.storage === 3)?.profile).toBe('3709E8CE119C00079C00001FE2600000C3D0000700016000500000000008');
    expect(probe.blankEuiccRefusal?.code).toBe('AT_MODEM_REFUSES_BLANK_EUICC');
    expect(probe.recommendation.transport).toBe('qmi-sap');
    expect(probe.transcript.some((t) => t.direction === 'tx' && t.text.startsWith('AT+CSIM'))).toBe(true);
  });

  it('reports a working modem with an eUICC and recommends the channel transport', async () => {
    const { engine } = await modemWith('quectel', makeCard({ profile: TEST_PROFILE }).card);
    await prepareAtModem(engine);
    const probe = await probeAtModem(engine);
    expect(probe).toMatchObject({
      model: 'EG25',
      sim: { readiness: 'ready', cpin: 'READY' },
      iccid: TEST_PROFILE.iccid,
      cfun: { mode: 1, meaning: 'full functionality' },
      euicc: 'present',
      recommendation: { transport: 'at-channel' },
    });
    expect(probe.usat.uiccState).toMatchObject({ state: 4, meaning: 'UICC active' });
    expect(probe.access.crsm.works).toBe(true);
    expect(probe.blankEuiccRefusal).toBeUndefined();
  });

  it('recommends +CSIM on the DW5821e and finds the ISD-R through MANAGE CHANNEL', async () => {
    const { engine } = await modemWith('dell-dw5821e', makeCard({ profile: TEST_PROFILE }).card);
    await prepareAtModem(engine);
    const probe = await probeAtModem(engine);
    expect(probe.access.channel.works).toBe(false);
    expect(probe.access.csim.works).toBe(true);
    expect(probe.euicc).toBe('present');
    expect(probe.recommendation.transport).toBe('at-csim');
  });

  it('says there is no SIM when the slot is empty', async () => {
    const { engine } = await modemWith('generic', undefined);
    await prepareAtModem(engine);
    const probe = await probeAtModem(engine);
    expect(probe.recommendation.transport).toBe('none');
    expect(probe.blankEuiccRefusal).toBeUndefined();
    expect(probe.access.csim.error?.code).toBe('AT_SIM_NOT_INSERTED');
  });
});
