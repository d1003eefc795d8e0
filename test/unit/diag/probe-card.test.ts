import { describe, expect, it } from 'vitest';
import { WorkbenchError } from '../../../shared/errors.js';
import { fromHex } from '../../../shared/hex.js';
import { ApduLog } from '../../../src-main/card/apdu-log.js';
import { CardSession } from '../../../src-main/card/card-session.js';
import type { RawCardTransport } from '../../../src-main/card/transport.js';
import { diagnose } from '../../../src-main/diag/diagnose.js';
import { parseDirRecord, pinFromVerifyQuery, probeCard } from '../../../src-main/diag/probe-card.js';
import { ProbeRecorder } from '../../../src-main/diag/probe-recorder.js';
import { PROBE_EID, probeCard as virtualCard, type ProbeCard } from '../../helpers/diag-probe.js';
import { TEST_PROFILE } from '../../helpers/sim-card.js';

const NO_PIN = { ...TEST_PROFILE, pin1Enabled: false };

async function run(session: CardSession) {
  const rec = new ProbeRecorder();
  rec.watch(session.log);
  const result = await probeCard(session, rec);
  rec.stop();
  return { rec, result, findings: diagnose(result.facts), ids: diagnose(result.facts).map((f) => f.ruleId) };
}

const commandsOf = (rec: ProbeRecorder) => rec.apdus.map((a) => a.command);

describe('card probe: blank eUICC (virtual card, no profile)', () => {
  it('finds the blank eUICC, reads EID and SGP.22 version, and recommends downloading the first profile', async () => {
    const c = virtualCard();
    const { rec, result, ids, findings } = await run(c.session);
    expect(ids).toEqual(['blank-euicc']);
    expect(findings[0]?.evidence).toEqual(['SELECT MF → 9000 (entry 1)', 'SELECT EF.ICCID → 6A82 (entry 3)', 'SELECT EF.DIR → 6A82 (entry 4)', expect.stringMatching(/ISD-R .* answers SELECT/)]);
    expect(result.card).toMatchObject({ mf: 'present', iccidStatus: 'absent', isdr: 'present', sgp22Version: '2.2.2', ecasd: 'present', eid: PROBE_EID, usim: 'absent', applications: [], pin: { status: 'not-available' } });
    expect(result.card.atr).toBe('3B 97 96 80 B1 FE 45 1F C7 80 31 E0 73 FE 21 1F B1');
    expect(result.recommendation.transport).toBe('virtual');
    expect(result.recommendation.nextStep).toMatch(/first profile .* own network/);
    // The exact probe commands on the basic channel.
    expect(commandsOf(rec).slice(0, 6)).toEqual([
      '00 A4 00 04 02 3F 00',
      '00 C0 00 00 27',
      '00 A4 08 04 02 2F E2',
      '00 A4 08 04 02 2F 00',
      '00 A4 04 04 07 A0 00 00 00 87 10 02',
      '00 20 00 01',
    ]);
    expect(rec.steps.map((s) => [s.id, s.status])).toEqual([
      ['atr', 'ok'],
      ['mf', 'ok'],
      ['iccid', 'warning'],
      ['dir', 'warning'],
      ['usim', 'warning'],
      ['pin', 'ok'],
      ['isdr', 'ok'],
      ['eid', 'ok'],
      ['ecasd', 'ok'],
    ]);
    expect(rec.stepFindings).toEqual([]);
    // Every step's APDUs are tagged with it and every channel opened is closed again.
    expect(rec.steps.find((s) => s.id === 'eid')?.apduSeqs?.length).toBeGreaterThan(0);
    expect(commandsOf(rec).filter((cmd) => cmd.startsWith('00 70 80'))).toHaveLength(2);
  });
});

describe('card probe: provisioned eUICC', () => {
  it('reads EID, ICCID, the USIM from EF.DIR; no blank finding, no PIN finding', async () => {
    const { result, ids } = await run(virtualCard(NO_PIN).session);
    expect(ids).toEqual([]);
    expect(result.card).toMatchObject({ eid: PROBE_EID, iccid: '8944476500001234567', iccidStatus: 'present', usim: 'present', isdr: 'present', pin: { status: 'not-required' } });
    expect(result.card.applications).toEqual([{ aid: 'A0000000871002FFFFFFFF8907090000', label: 'USIM', name: 'USIM' }]);
    expect(result.facts).toMatchObject({ mfPresent: true, iccidStatus: 'present', dirStatus: 'present', usimSelectable: true, isdrSelectable: true, pinStatus: 'verified' });
    expect(result.recommendation.reason).toMatch(/profile management works/);
  });

  it('PIN enabled: the pin-required finding, without using an attempt', async () => {
    const c = virtualCard(TEST_PROFILE);
    const first = await run(c.session);
    expect(first.ids).toEqual(['pin-required']);
    expect(first.findings[0]?.evidence).toEqual([expect.stringMatching(/^VERIFY answered 63C3: PIN not verified, 3 attempt\(s\) left \(entry \d+\)$/)]);
    expect(first.result.card.pin).toEqual({ status: 'required', retriesLeft: 3 });
    const verify = first.rec.apdus.find((a) => a.command.startsWith('00 20'));
    expect(verify?.command).toBe('00 20 00 01');
    const again = await run(c.session);
    expect(again.result.card.pin).toEqual({ status: 'required', retriesLeft: 3 });
  });

  it('PIN blocked after three wrong PINs: the pin-blocked finding and the PUK next step', async () => {
    const c = virtualCard(TEST_PROFILE);
    for (let i = 0; i < 3; i++) await c.session.transmit({ cla: 0, ins: 0x20, p1: 0, p2: 1, data: fromHex('39393939FFFFFFFF') });
    const { ids, result, findings } = await run(c.session);
    expect(ids).toEqual(['pin-blocked']);
    expect(findings[0]?.evidence[0]).toMatch(/^VERIFY answered 6983: no PIN attempts left/);
    expect(result.card.pin.status).toBe('blocked');
    expect(result.recommendation.nextStep).toMatch(/PUK/);
  });

  it('plain SIM without ISD-R', async () => {
    const { ids, result } = await run(virtualCard(NO_PIN, { isdr: false }).session);
    expect(ids).toEqual(['plain-sim-no-isdr']);
    expect(result.card).toMatchObject({ isdr: 'absent', ecasd: 'absent', iccidStatus: 'present' });
    expect(result.card.eid).toBeUndefined();
    expect(result.recommendation.reason).toMatch(/classic SIM/);
  });
});

/** A raw transport in front of a virtual card that fails exchanges matching `failOn` (hex prefix). */
function failingSession(c: ProbeCard, failOn: (hex: string) => boolean, error = new WorkbenchError('CARD_IO_ERROR', 'link lost', 'reconnect')): CardSession {
  const inner = c.session.transport as RawCardTransport;
  const transport: RawCardTransport = {
    shape: 'raw',
    info: inner.info,
    getAtr: (s) => inner.getAtr(s),
    transmit: async (cmd, s) => {
      if (failOn(Buffer.from(cmd).toString('hex').toUpperCase())) throw error;
      return inner.transmit(cmd, s);
    },
    close: () => inner.close(),
  };
  return new CardSession(transport, new ApduLog());
}

describe('card probe degrades gracefully', () => {
  it('a transport that refuses the basic channel: MF fails, the other basic steps are skipped, the ISD-R still probed', async () => {
    const c = virtualCard();
    const { rec, result } = await run(failingSession(c, (hex) => hex.startsWith('00')));
    expect(rec.steps.map((s) => [s.id, s.status])).toEqual([
      ['atr', 'ok'],
      ['mf', 'failed'],
      ['iccid', 'skipped'],
      ['dir', 'skipped'],
      ['usim', 'skipped'],
      ['pin', 'skipped'],
      ['isdr', 'failed'],
      ['eid', 'skipped'],
      ['ecasd', 'failed'],
    ]);
    expect(rec.steps[2]?.result).toMatch(/No basic-channel access: .*link lost/);
    expect(rec.stepFindings.map((f) => f.ruleId)).toEqual(['probe-step-failed:mf', 'probe-step-failed:isdr', 'probe-step-failed:ecasd']);
    expect(rec.stepFindings[0]).toMatchObject({ severity: 'warning', evidence: ['SELECT MF → CARD_IO_ERROR'] });
    expect(result.card.isdr).toBe('unknown');
    expect(result.recommendation.transport).toBe('qmi-sap');
  });

  it('a failing GetEID is a failed step; the channel is still closed', async () => {
    const c = virtualCard();
    const { rec, result } = await run(failingSession(c, (hex) => hex.startsWith('81E2')));
    expect(rec.steps.find((s) => s.id === 'eid')?.status).toBe('failed');
    expect(result.card.isdr).toBe('present');
    expect(result.card.eid).toBeUndefined();
    expect(rec.apdus.filter((a) => a.command.startsWith('00 70 80'))).toHaveLength(2);
  });

  it('no ATR: the card-not-answering finding and no transport to recommend', async () => {
    const c = virtualCard();
    const inner = c.session.transport as RawCardTransport;
    const mute: RawCardTransport = { ...inner, shape: 'raw', info: inner.info, getAtr: async () => new Uint8Array(0), transmit: async () => Promise.reject(new WorkbenchError('PCSC_TIMEOUT', 'no answer from the card', 'reseat')), close: () => inner.close() };
    const { ids, result } = await run(new CardSession(mute, new ApduLog()));
    expect(ids).toContain('card-not-answering');
    expect(result.recommendation.transport).toBe('none');
  });
});

describe('card probe helpers', () => {
  it('EF.DIR records and VERIFY status words', () => {
    expect(parseDirRecord(fromHex('61124F0CA0000000871002FF49FF0589500255FFFFFF'))).toEqual({ aid: 'A0000000871002FF49FF0589', label: 'U\uFFFD', name: 'USIM' });
    expect(parseDirRecord(fromHex('FFFFFFFF'))).toBeUndefined();
    expect(pinFromVerifyQuery('63C2')).toMatchObject({ state: 'required', retries: 2 });
    expect(pinFromVerifyQuery('9000').state).toBe('not-required');
    expect(pinFromVerifyQuery('63C0').state).toBe('blocked');
    expect(pinFromVerifyQuery('6A88').state).toBe('not-available');
  });
});
