import { describe, expect, it } from 'vitest';
import { ApduLog } from '../../../src-main/card/apdu-log.js';
import { CardSession } from '../../../src-main/card/card-session.js';
import { DEFAULT_ISDR_AID, openEs10, parseIsdrFci, withEs10 } from '../../../src-main/euicc/index.js';
import { fromHex } from '../../../shared/hex.js';
import { ScriptedChannelCard } from '../../helpers/scripted-card.js';
import { ICCID, ICCID_TLV, ISDR_AID, ISDR_FCI, TERMINAL_CAPABILITY, closeStep, es10Steps, norm, openIsdrSteps, scriptedSession } from '../../helpers/euicc-scripted.js';
import { errorOf } from '../../helpers/rejections.js';

const EID = '89049032123451234512345678901235';
const GET_EID = 'BF 3E 03 5C 01 5A';
const EID_RESPONSE = `BF 3E 12 5A 10 ${EID}`;
const NO_TC = { sendTerminalCapability: false } as const;

describe('opening the ISD-R', () => {
  it('runs digest §1.7 GetEID on channel 1 byte for byte, and closes the channel', async () => {
    const { card, session, log } = scriptedSession([
      { send: '00 70 00 00 01', reply: '01 90 00' },
      { send: `01 A4 04 00 10 ${ISDR_AID}`, reply: '61 1F' },
      { send: '01 C0 00 00 1F', reply: `${ISDR_FCI} 90 00` },
      { send: '81 E2 91 00 06 BF 3E 03 5C 01 5A', reply: '61 15' },
      { send: '01 C0 00 00 15', reply: 'BF 3E 12 5A 10 89 04 90 32 12 34 51 23 45 12 34 56 78 90 12 35 90 00' },
      { send: '00 70 80 01 00', reply: '90 00' },
    ]);
    const eid = await withEs10(session, (es10) => es10.getEid(), NO_TC);
    expect(eid).toBe(EID);
    card.assertDone();
    expect(log.entries().map((e) => e.annotation)).toContain('STORE DATA → ES10c.GetEID');
  });

  it('sends TERMINAL CAPABILITY on the basic channel first by default, byte-exact', async () => {
    const { card, session } = scriptedSession([...openIsdrSteps(1, { terminalCapability: true }), ...es10Steps(1, GET_EID, EID_RESPONSE), closeStep(1)]);
    await withEs10(session, (es10) => es10.getEid());
    card.assertDone();
    expect(card.sent[0]).toBe(norm('80 AA 00 00 0A A9 08 81 00 82 01 01 83 01 07'));
  });

  it('carries on when the card does not know TERMINAL CAPABILITY (6D00)', async () => {
    const { card, session } = scriptedSession([{ send: TERMINAL_CAPABILITY, reply: '6D 00' }, ...openIsdrSteps(2), ...es10Steps(2, GET_EID, EID_RESPONSE), closeStep(2)]);
    expect(await withEs10(session, (es10) => es10.getEid())).toBe(EID);
    card.assertDone();
  });

  it('reads the SGP.22 version and LPAe support from E0 nested in the FCI', async () => {
    const { card, session } = scriptedSession([...openIsdrSteps(1), closeStep(1)]);
    const isdr = await withEs10(session, async (es10) => es10.isdr, NO_TC);
    expect(isdr).toEqual({ aid: ISDR_AID, svn: '2.2.0', lpaeSupport: ['lpaeUsingCat'] });
    card.assertDone();
  });

  it('selects a configured non-standard ISD-R AID', async () => {
    const aid = 'A0000005591010FFFFFFFF8900050500';
    const { card, session } = scriptedSession([...openIsdrSteps(1, { aid }), ...es10Steps(1, GET_EID, EID_RESPONSE), closeStep(1)]);
    await withEs10(session, (es10) => es10.getEid(), { ...NO_TC, isdrAid: aid.toLowerCase() });
    card.assertDone();
  });

  it.each(['6A 82', '6A 88'])('turns SELECT %s into ES10_NO_ISDR (channel closed again)', async (sw) => {
    const { card, session } = scriptedSession([
      { send: '00 70 00 00 01', reply: '01 90 00' },
      { send: `01 A4 04 00 10 ${ISDR_AID}`, reply: sw },
      closeStep(1),
    ]);
    const err = await errorOf(withEs10(session, (es10) => es10.getEid(), NO_TC));
    expect(err.code).toBe('ES10_NO_ISDR');
    expect(err.message).toMatch(/not an eUICC or a non-standard ISD-R AID/);
    expect(err.hint).toMatch(/configure its ISD-R AID/);
    expect(err.details).toMatchObject({ isdrAid: DEFAULT_ISDR_AID, sw: sw.replace(' ', '') });
    card.assertDone();
  });

  it('keeps other SELECT refusals as CARD_SW_ERROR', async () => {
    const { card, session } = scriptedSession([{ send: '00 70 00 00 01', reply: '01 90 00' }, { send: `01 A4 04 00 10 ${ISDR_AID}`, reply: '69 85' }, closeStep(1)]);
    expect((await errorOf(openEs10(session, NO_TC))).code).toBe('CARD_SW_ERROR');
    card.assertDone();
  });

  it('works on a channel transport: no TERMINAL CAPABILITY, the modem opens and closes', async () => {
    const card = new ScriptedChannelCard([
      { open: ISDR_AID, channel: 3, selectResponse: `${ISDR_FCI} 90 00` },
      { on: 3, send: `83 E2 91 00 06 ${GET_EID}`, reply: `${EID_RESPONSE} 90 00` },
      { close: 3 },
    ]);
    const session = new CardSession(card, new ApduLog());
    const result = await withEs10(session, async (es10) => ({ eid: await es10.getEid(), svn: es10.isdr.svn }));
    expect(result).toEqual({ eid: EID, svn: '2.2.0' });
    card.assertDone();
  });
});

describe('closing the channel', () => {
  it('closes on an error thrown by the caller and reports that error', async () => {
    const { card, session } = scriptedSession([...openIsdrSteps(1), ...es10Steps(1, GET_EID, EID_RESPONSE), closeStep(1)]);
    const boom = new Error('boom');
    await expect(
      withEs10(
        session,
        async (es10) => {
          await es10.getEid();
          throw boom;
        },
        NO_TC,
      ),
    ).rejects.toBe(boom);
    card.assertDone();
  });

  it('closes on a refused STORE DATA (CARD_SW_ERROR propagates)', async () => {
    const { card, session } = scriptedSession([...openIsdrSteps(1), ...es10Steps(1, GET_EID, '', { sw: '6A 80' }), closeStep(1)]);
    const err = await errorOf(withEs10(session, (es10) => es10.getEid(), NO_TC));
    expect(err.code).toBe('CARD_SW_ERROR');
    expect(err.details.sw).toBe('6A80');
    card.assertDone();
  });

  it('closes on abort: the next call stops before sending and the channel still closes', async () => {
    const abort = new AbortController();
    const [storeData, getResponse] = es10Steps(1, GET_EID, EID_RESPONSE);
    const { card, session } = scriptedSession([...openIsdrSteps(1), storeData!, { ...getResponse!, onSend: () => abort.abort() }, closeStep(1)]);
    const err = await errorOf(
      withEs10(
        session,
        async (es10) => {
          await es10.getEid();
          return es10.getEid();
        },
        { ...NO_TC, signal: abort.signal },
      ),
    );
    expect(err.code).toBe('ABORTED');
    card.assertDone();
    expect(card.sent.at(-1)).toBe(norm('00 70 80 01 00'));
  });
});

describe('profile switch with refresh', () => {
  const ENABLE = `BF 31 11 A0 0C ${ICCID_TLV} 81 01 FF`;

  it('reopens the channel (close, TERMINAL CAPABILITY, MANAGE CHANNEL, SELECT) before the next call', async () => {
    const { card, session } = scriptedSession([
      ...openIsdrSteps(1, { terminalCapability: true }),
      ...es10Steps(1, ENABLE, 'BF 31 03 80 01 00'),
      closeStep(1, '68 81'), // REFRESH already closed it
      ...openIsdrSteps(1, { terminalCapability: true }),
      ...es10Steps(1, GET_EID, EID_RESPONSE),
      closeStep(1),
    ]);
    await withEs10(session, async (es10) => {
      const result = await es10.enableProfile({ iccid: ICCID }, { refresh: true });
      expect(result).toMatchObject({ ok: true, result: 'ok' });
      expect(es10.needsReopen).toBe(true);
      expect(await es10.getEid()).toBe(EID);
      expect(es10.needsReopen).toBe(false);
    });
    card.assertDone();
  });

  it('treats 91xx without a response TLV after enable with refresh as success', async () => {
    const { card, session } = scriptedSession([
      ...openIsdrSteps(1),
      { send: `81 E2 91 00 14 ${ENABLE}`, reply: '91 1A' },
      closeStep(1),
      ...openIsdrSteps(2),
      ...es10Steps(2, GET_EID, EID_RESPONSE),
      closeStep(2),
    ]);
    await withEs10(
      session,
      async (es10) => {
        expect(await es10.enableProfile({ iccid: ICCID })).toMatchObject({ ok: true, result: 'ok', code: 0, refreshPending: true });
        await es10.getEid();
      },
      NO_TC,
    );
    card.assertDone();
  });

  it('enable with refresh answered 61 06 → GET RESPONSE → BF31 ok + 91 10: ok with refreshPending; the next call reopens', async () => {
    const { card, session } = scriptedSession([
      ...openIsdrSteps(1),
      { send: `81 E2 91 00 14 ${ENABLE}`, reply: '61 06' },
      { send: '01 C0 00 00 06', reply: 'BF 31 03 80 01 00 91 10' },
      closeStep(1, '68 81'),
      { send: '00 70 00 00 01', reply: '01 90 00' },
      { send: `01 A4 04 00 10 ${ISDR_AID}`, reply: '61 21' },
      { send: '01 C0 00 00 21', reply: `${ISDR_FCI} 90 00` },
      { send: `81 E2 91 00 06 ${GET_EID}`, reply: `${EID_RESPONSE} 90 00` },
      closeStep(1),
    ]);
    await withEs10(
      session,
      async (es10) => {
        expect(await es10.enableProfile({ iccid: ICCID }, { refresh: true })).toEqual({ ok: true, result: 'ok', code: 0, message: expect.any(String), hint: '', refreshPending: true });
        expect(es10.needsReopen).toBe(true);
        expect(await es10.getEid()).toBe(EID);
        expect(es10.needsReopen).toBe(false);
      },
      NO_TC,
    );
    card.assertDone();
  });

  it('an ok answer with 90 00 carries no refreshPending field', async () => {
    const { card, session } = scriptedSession([...openIsdrSteps(1), ...es10Steps(1, ENABLE, 'BF 31 03 80 01 00'), closeStep(1)]);
    const result = await withEs10(session, (es10) => es10.enableProfile({ iccid: ICCID }), NO_TC);
    expect(result.ok).toBe(true);
    expect('refreshPending' in result).toBe(false);
    card.assertDone();
  });

  it('91xx after disable without refresh still schedules the reopen (a proactive command is pending)', async () => {
    const DISABLE = `BF 32 11 A0 0C ${ICCID_TLV} 81 01 00`;
    const { card, session } = scriptedSession([
      ...openIsdrSteps(1),
      ...es10Steps(1, DISABLE, 'BF 32 03 80 01 00', { sw: '91 20' }),
      closeStep(1),
      ...openIsdrSteps(1),
      ...es10Steps(1, GET_EID, EID_RESPONSE),
      closeStep(1),
    ]);
    await withEs10(
      session,
      async (es10) => {
        expect(await es10.disableProfile({ iccid: ICCID }, { refresh: false })).toMatchObject({ ok: true, refreshPending: true });
        expect(es10.needsReopen).toBe(true);
        await es10.getEid();
      },
      NO_TC,
    );
    card.assertDone();
  });

  it('9000 without a response TLV after enable with refresh is ES10_BAD_RESPONSE, and nothing is reopened', async () => {
    const { card, session } = scriptedSession([...openIsdrSteps(1), { send: `81 E2 91 00 14 ${ENABLE}`, reply: '90 00' }, closeStep(1)]);
    await withEs10(
      session,
      async (es10) => {
        expect((await errorOf(es10.enableProfile({ iccid: ICCID }))).code).toBe('ES10_BAD_RESPONSE');
        expect(es10.needsReopen).toBe(false);
      },
      NO_TC,
    );
    card.assertDone();
  });

  it('6881 on the first call after a refresh (REFRESH landed after the reopen): one more reopen, the call is resent', async () => {
    const { card, session } = scriptedSession([
      ...openIsdrSteps(1),
      ...es10Steps(1, ENABLE, 'BF 31 03 80 01 00'),
      closeStep(1, '68 81'),
      ...openIsdrSteps(1),
      ...es10Steps(1, GET_EID, '', { sw: '68 81' }),
      closeStep(1, '68 81'),
      ...openIsdrSteps(2),
      ...es10Steps(2, GET_EID, EID_RESPONSE),
      closeStep(2),
    ]);
    await withEs10(
      session,
      async (es10) => {
        expect((await es10.enableProfile({ iccid: ICCID })).ok).toBe(true);
        expect(await es10.getEid()).toBe(EID);
        expect(es10.channel.channel).toBe(2);
        expect(es10.needsReopen).toBe(false);
      },
      NO_TC,
    );
    card.assertDone();
  });

  it('the retry after a refresh is bounded: a second 6A88 is thrown, after exactly one extra reopen', async () => {
    const { card, session } = scriptedSession([
      ...openIsdrSteps(1),
      ...es10Steps(1, ENABLE, 'BF 31 03 80 01 00'),
      closeStep(1),
      ...openIsdrSteps(1),
      ...es10Steps(1, GET_EID, '', { sw: '6A 88' }),
      closeStep(1),
      ...openIsdrSteps(1),
      ...es10Steps(1, GET_EID, '', { sw: '6A 88' }),
      closeStep(1),
    ]);
    const err = await errorOf(
      withEs10(
        session,
        async (es10) => {
          await es10.enableProfile({ iccid: ICCID });
          return es10.getEid();
        },
        NO_TC,
      ),
    );
    expect(err).toMatchObject({ code: 'CARD_SW_ERROR', details: { sw: '6A88' } });
    card.assertDone();
  });

  it('6881 without a refresh, or on a later call, is a CARD_SW_ERROR with no reopen', async () => {
    const { card, session } = scriptedSession([
      ...openIsdrSteps(1),
      ...es10Steps(1, GET_EID, '', { sw: '68 81' }),
      ...es10Steps(1, ENABLE, 'BF 31 03 80 01 00'),
      closeStep(1),
      ...openIsdrSteps(1),
      ...es10Steps(1, GET_EID, EID_RESPONSE),
      ...es10Steps(1, GET_EID, '', { sw: '68 81' }),
      closeStep(1),
    ]);
    await withEs10(
      session,
      async (es10) => {
        expect(await errorOf(es10.getEid())).toMatchObject({ code: 'CARD_SW_ERROR', details: { sw: '6881' } });
        await es10.enableProfile({ iccid: ICCID });
        await es10.getEid();
        expect(await errorOf(es10.getEid())).toMatchObject({ code: 'CARD_SW_ERROR', details: { sw: '6881' } });
      },
      NO_TC,
    );
    card.assertDone();
  });

  it('does not reopen after a switch without refresh or a refused switch', async () => {
    const { card, session } = scriptedSession([
      ...openIsdrSteps(1),
      ...es10Steps(1, `BF 32 11 A0 0C ${ICCID_TLV} 81 01 00`, 'BF 32 03 80 01 00'),
      ...es10Steps(1, ENABLE, 'BF 31 03 80 01 02'),
      ...es10Steps(1, GET_EID, EID_RESPONSE),
      closeStep(1),
    ]);
    await withEs10(
      session,
      async (es10) => {
        expect((await es10.disableProfile({ iccid: ICCID }, { refresh: false })).ok).toBe(true);
        expect((await es10.enableProfile({ iccid: ICCID })).result).toBe('profileNotInDisabledState');
        expect(es10.needsReopen).toBe(false);
        await es10.getEid();
      },
      NO_TC,
    );
    card.assertDone();
  });
});

describe('parseIsdrFci', () => {
  it('finds E0 at the root, inside 6F, or not at all', () => {
    expect(parseIsdrFci(fromHex('E0 05 82 03 02 03 00'))).toEqual({ svn: '2.3.0' });
    expect(parseIsdrFci(fromHex(ISDR_FCI))).toEqual({ svn: '2.2.0', lpaeSupport: ['lpaeUsingCat'] });
    expect(parseIsdrFci(fromHex(`6F 12 84 10 ${ISDR_AID}`))).toEqual({});
    expect(parseIsdrFci(new Uint8Array(0))).toEqual({});
  });

  it('tolerates a malformed template (no version rather than an error)', () => {
    expect(parseIsdrFci(fromHex('6F 04 E0 02 81 00'))).toEqual({});
    expect(parseIsdrFci(fromHex('6F 09 E0 07 82 03 02'))).toEqual({});
  });
});
