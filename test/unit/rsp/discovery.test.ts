/**
 * discoverEvents with a scripted card and scripted SM-DS servers: the ES11 steps per SM-DS, the
 * cascade rule (queried-or-configured addresses are SM-DS), loop protection and the depth limit.
 */
import { describe, expect, it } from 'vitest';
import { WorkbenchError } from '../../../shared/errors.js';
import { fromHex, toHex } from '../../../shared/hex.js';
import { decode, encode } from '../../../src-main/codec/schema.js';
import { ServerSigned1 } from '../../../src-main/codec/sgp22/index.js';
import { activationCodeOf, discoverEvents } from '../../../src-main/rsp/discovery.js';
import type { DiscoveryCard, DiscoveryOptions, DiscoveryServer } from '../../../src-main/rsp/discovery.js';
import type { EventEntry } from '../../../src-main/rsp/es9-client.js';
import { errorOf } from '../../helpers/rejections.js';

const ROOT = 'lpa.ds.example.com';
const DS_B = 'ds-b.example.com';
const DS_C = 'ds-c.example.com';
const DS_D = 'ds-d.example.com';
const DS_E = 'ds-e.example.com';
const SMDP = 'smdp.example.com';
const CI_PKID = fromHex('F54172BDF98A95D65CBEB88A38A1C11D800A85C3');
const INFO1_RAW = fromHex('BF2003820102');

/** What each SM-DS answers in authenticateClient, by address (a WorkbenchError is thrown instead). */
type Script = Readonly<Record<string, readonly EventEntry[] | WorkbenchError>>;

/**
 * One call log across card and servers. Every session gets its own challenge, transactionId and
 * card response, so the test can see that each SM-DS got a fresh session and the matching bytes.
 */
function scripted(script: Script) {
  const log: string[] = [];
  let challenges = 0;
  let authentications = 0;
  const challenge = (n: number) => Uint8Array.from({ length: 16 }, (_, i) => (n << 4) | i);
  const card: DiscoveryCard = {
    getEuiccConfiguredAddresses: () => {
      log.push('card.getEuiccConfiguredAddresses');
      return Promise.resolve({ defaultDpAddress: SMDP, rootDsAddress: ROOT.toUpperCase() });
    },
    getEuiccChallenge: () => {
      log.push('card.getEuiccChallenge');
      return Promise.resolve(challenge(++challenges));
    },
    getEuiccInfo1: () => {
      log.push('card.getEuiccInfo1');
      return Promise.resolve({ value: { svn: '2.2.0', euiccCiPKIdListForVerification: [CI_PKID], euiccCiPKIdListForSigning: [CI_PKID] }, raw: INFO1_RAW, unknownFields: [] });
    },
    authenticateServer: (request: Parameters<DiscoveryCard['authenticateServer']>[0]) => {
      const { transactionId } = decode(ServerSigned1, request.serverSigned1);
      log.push(`card.authenticateServer tx=${toHex(transactionId).slice(-2)}`);
      return Promise.resolve({ value: {}, raw: fromHex(`BF3803A0010${++authentications}`), unknownFields: [] });
    },
  } as unknown as DiscoveryCard;

  const clients: string[][] = [];
  const makeServer = (ciPkIds: readonly Uint8Array[]): DiscoveryServer => {
    clients.push(ciPkIds.map((id) => toHex(id).toUpperCase()));
    let sessions = 0;
    const server = {
      es11InitiateAuthentication: (address: string, euiccChallenge: Uint8Array, euiccInfo1: Uint8Array) => {
        log.push(`ds.initiateAuthentication ${address} challenge=${toHex(euiccChallenge).slice(0, 2)} info1=${toHex(euiccInfo1).toUpperCase()}`);
        const tx = `000000000000000000000000000000${(++sessions).toString(16).padStart(2, '0')}`;
        return Promise.resolve({
          transactionId: tx.toUpperCase(),
          serverSigned1: encode(ServerSigned1, { transactionId: fromHex(tx), euiccChallenge, serverAddress: address, serverChallenge: new Uint8Array(16) }),
          serverSignature1: fromHex(`5F3740${'11'.repeat(64)}`),
          euiccCiPKIdToBeUsed: fromHex(`0414${toHex(CI_PKID)}`),
          serverCertificate: fromHex('3000'),
        });
      },
      es11AuthenticateClient: (address: string, transactionId: string, response: Uint8Array) => {
        log.push(`ds.authenticateClient ${address} tx=${transactionId.slice(-2)} response=${toHex(response).toUpperCase()}`);
        const answer = script[address];
        if (answer === undefined) return Promise.reject(new Error(`unscripted SM-DS ${address}`));
        if (answer instanceof WorkbenchError) return Promise.reject(answer);
        return Promise.resolve({ transactionId, eventEntries: [...answer] });
      },
      close: () => log.push('ds.close'),
    };
    return server as unknown as DiscoveryServer;
  };
  return { card, makeServer, log, clients };
}

function run(script: Script, opts: DiscoveryOptions = {}) {
  const fake = scripted(script);
  const warnings: string[] = [];
  const result = discoverEvents({ card: fake.card, es9: fake.makeServer }, { onWarning: (m) => warnings.push(m), ...opts });
  return { ...fake, warnings, result };
}

/** The SM-DS addresses that got an ES11 session, in order. */
function sessionsIn(log: readonly string[]): string[] {
  return log.filter((l) => l.startsWith('ds.initiateAuthentication')).map((l) => l.split(' ')[1] ?? '');
}

describe('discoverEvents: one SM-DS', () => {
  it('runs the ES11 steps at the root SM-DS and tags each offer with it', async () => {
    const { result, log, clients } = run({ [ROOT]: [{ eventId: 'EVT-1', rspServerAddress: SMDP }] });
    expect(await result).toEqual({
      smdsAddress: ROOT,
      events: [{ eventId: 'EVT-1', rspServerAddress: SMDP, smdsAddress: ROOT }],
      queried: [ROOT],
      notices: [],
    });
    expect(log).toEqual([
      'card.getEuiccConfiguredAddresses',
      'card.getEuiccChallenge',
      'card.getEuiccInfo1',
      `ds.initiateAuthentication ${ROOT} challenge=10 info1=BF2003820102`,
      'card.authenticateServer tx=01',
      `ds.authenticateClient ${ROOT} tx=01 response=BF3803A00101`,
      'ds.close',
    ]);
    expect(clients).toEqual([[toHex(CI_PKID).toUpperCase()]]);
  });

  it('without cascade configuration an SM-DS address in an entry is an SM-DP+ offer', async () => {
    const { result, log } = run({ [ROOT]: [{ eventId: 'EVT-B', rspServerAddress: DS_B }] });
    const { events, queried } = await result;
    expect(events).toEqual([{ eventId: 'EVT-B', rspServerAddress: DS_B, smdsAddress: ROOT }]);
    expect(queried).toEqual([ROOT]);
    expect(sessionsIn(log)).toEqual([ROOT]);
  });
});

describe('discoverEvents: cascade', () => {
  it('follows an entry to a configured SM-DS with a fresh ES11 session and collects the SM-DP+ offers of both', async () => {
    const { result, log, clients } = run(
      {
        [ROOT]: [
          { eventId: 'EVT-1', rspServerAddress: SMDP },
          { eventId: 'TO-B', rspServerAddress: DS_B.toUpperCase() },
          { eventId: 'EVT-3', rspServerAddress: 'smdp3.example.com' },
        ],
        [DS_B]: [{ eventId: 'EVT-2', rspServerAddress: 'smdp2.example.com' }],
      },
      { cascadeSmdsAddresses: [` ${DS_B.toUpperCase()} `] },
    );
    const { events, queried, notices } = await result;
    expect(events).toEqual([
      { eventId: 'EVT-1', rspServerAddress: SMDP, smdsAddress: ROOT },
      { eventId: 'EVT-2', rspServerAddress: 'smdp2.example.com', smdsAddress: DS_B },
      { eventId: 'EVT-3', rspServerAddress: 'smdp3.example.com', smdsAddress: ROOT },
    ]);
    expect(queried).toEqual([ROOT, DS_B]);
    expect(notices).toEqual([]);
    expect(log.slice(6)).toEqual([
      'card.getEuiccChallenge',
      'card.getEuiccInfo1',
      `ds.initiateAuthentication ${DS_B} challenge=20 info1=BF2003820102`,
      'card.authenticateServer tx=02',
      `ds.authenticateClient ${DS_B} tx=02 response=BF3803A00102`,
      'ds.close',
    ]);
    // One client for the whole cascade, closed once at the end.
    expect(clients).toHaveLength(1);
    expect(log.filter((l) => l === 'ds.close')).toHaveLength(1);
    const [, fromB] = events;
    if (!fromB) throw new Error('no event from B');
    expect(activationCodeOf(fromB)).toBe('LPA:1$smdp2.example.com$EVT-2');
  });

  it('isSmds replaces the configured list', async () => {
    const { result, log } = run(
      {
        [ROOT]: [{ eventId: 'TO-B', rspServerAddress: DS_B }],
        [DS_B]: [{ eventId: 'EVT-2', rspServerAddress: SMDP }],
      },
      { isSmds: (a) => a.startsWith('ds-'), cascadeSmdsAddresses: [] },
    );
    expect((await result).events).toEqual([{ eventId: 'EVT-2', rspServerAddress: SMDP, smdsAddress: DS_B }]);
    expect(sessionsIn(log)).toEqual([ROOT, DS_B]);
  });

  it('a loop A → B → A stops at B with a loop notice; A is not asked twice', async () => {
    const { result, log, warnings } = run(
      {
        [ROOT]: [{ eventId: 'TO-B', rspServerAddress: DS_B }],
        [DS_B]: [
          { eventId: 'BACK-TO-A', rspServerAddress: ROOT },
          { eventId: 'EVT-2', rspServerAddress: SMDP },
        ],
      },
      { cascadeSmdsAddresses: [DS_B] },
    );
    const { events, queried, notices } = await result;
    expect(sessionsIn(log)).toEqual([ROOT, DS_B]);
    expect(queried).toEqual([ROOT, DS_B]);
    expect(events).toEqual([{ eventId: 'EVT-2', rspServerAddress: SMDP, smdsAddress: DS_B }]);
    expect(notices).toEqual([{ kind: 'loop', target: ROOT, eventId: 'BACK-TO-A', listedBy: DS_B, message: expect.stringContaining('points back to') as unknown }]);
    expect(warnings).toEqual([notices[0]?.message]);
  });

  it('an SM-DS reached twice (A → B, A → C → B) is queried once; the second entry is noted', async () => {
    const { result, log } = run(
      {
        [ROOT]: [
          { eventId: 'TO-C', rspServerAddress: DS_C },
          { eventId: 'TO-B', rspServerAddress: DS_B },
        ],
        [DS_C]: [{ eventId: 'C-TO-B', rspServerAddress: DS_B }],
        [DS_B]: [{ eventId: 'EVT-B', rspServerAddress: SMDP }],
      },
      { cascadeSmdsAddresses: [DS_B, DS_C] },
    );
    const { events, notices } = await result;
    expect(sessionsIn(log)).toEqual([ROOT, DS_C, DS_B]);
    expect(events).toEqual([{ eventId: 'EVT-B', rspServerAddress: SMDP, smdsAddress: DS_B }]);
    expect(notices.map((n) => [n.kind, n.eventId, n.listedBy])).toEqual([['already-queried', 'TO-B', ROOT]]);
  });

  it('stops following beyond maxCascadeDepth with a depth-limit notice and keeps what it found', async () => {
    const chain: Script = {
      [ROOT]: [{ eventId: 'TO-B', rspServerAddress: DS_B }],
      [DS_B]: [
        { eventId: 'EVT-B', rspServerAddress: SMDP },
        { eventId: 'TO-C', rspServerAddress: DS_C },
      ],
      [DS_C]: [{ eventId: 'TO-D', rspServerAddress: DS_D }],
      [DS_D]: [{ eventId: 'TO-E', rspServerAddress: DS_E }],
      [DS_E]: [{ eventId: 'EVT-E', rspServerAddress: SMDP }],
    };
    const cascadeSmdsAddresses = [DS_B, DS_C, DS_D, DS_E];

    const limited = run(chain, { cascadeSmdsAddresses, maxCascadeDepth: 1 });
    const { events, notices } = await limited.result;
    expect(sessionsIn(limited.log)).toEqual([ROOT, DS_B]);
    expect(events).toEqual([{ eventId: 'EVT-B', rspServerAddress: SMDP, smdsAddress: DS_B }]);
    expect(notices).toEqual([{ kind: 'depth-limit', target: DS_C, eventId: 'TO-C', listedBy: DS_B, message: expect.stringContaining('limit of 1 hop') as unknown }]);
    expect(limited.warnings).toHaveLength(1);

    // Default limit 3: ROOT → B → C → D are asked, E (a fourth hop) is not.
    const byDefault = run(chain, { cascadeSmdsAddresses });
    expect((await byDefault.result).notices.map((n) => [n.kind, n.target])).toEqual([['depth-limit', DS_E]]);
    expect(sessionsIn(byDefault.log)).toEqual([ROOT, DS_B, DS_C, DS_D]);

    const unlimited = run(chain, { cascadeSmdsAddresses, maxCascadeDepth: 4 });
    expect((await unlimited.result).events.map((e) => e.eventId)).toEqual(['EVT-B', 'EVT-E']);
  });

  it('maxCascadeDepth 0 asks only the first SM-DS', async () => {
    const { result, log } = run({ [ROOT]: [{ eventId: 'TO-B', rspServerAddress: DS_B }] }, { cascadeSmdsAddresses: [DS_B], maxCascadeDepth: 0 });
    expect((await result).notices.map((n) => n.kind)).toEqual(['depth-limit']);
    expect(sessionsIn(log)).toEqual([ROOT]);
  });

  it('a failing cascaded SM-DS fails the discovery with its error and the client is closed', async () => {
    const refused = new WorkbenchError('ES9_FUNCTION_FAILED', 'refused', 'hint');
    const { result, log } = run({ [ROOT]: [{ eventId: 'TO-B', rspServerAddress: DS_B }], [DS_B]: refused }, { cascadeSmdsAddresses: [DS_B] });
    expect(await errorOf(result)).toBe(refused);
    expect(log.at(-1)).toBe('ds.close');
  });

  it('a cancelled discovery does not start the next SM-DS session', async () => {
    const controller = new AbortController();
    const fake = scripted({ [ROOT]: [{ eventId: 'TO-B', rspServerAddress: DS_B }], [DS_B]: [] });
    const card: DiscoveryCard = {
      ...fake.card,
      authenticateServer: (...args) => {
        controller.abort();
        return fake.card.authenticateServer(...args);
      },
    };
    const err = await errorOf(discoverEvents({ card, es9: fake.makeServer }, { cascadeSmdsAddresses: [DS_B], signal: controller.signal }));
    expect(err.code).toBe('ABORTED');
    expect(sessionsIn(fake.log)).toEqual([ROOT]);
  });
});
