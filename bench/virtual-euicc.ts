/**
 * Virtual eUICC cost, in-process, through the card stack the LPA uses (in-process transport →
 * CardSession with its ApduLog → Es10Client), each part against a baseline measured in the same run:
 *
 * 1. APDU throughput on a T=0 and a T=1 card with 10 profiles installed: STATUS on the basic channel
 *    (the cheapest platform command; baseline of its protocol), ES10c.GetEID through Es10Client, the
 *    same STORE DATA sent with Le (case 4), and ES10c.GetProfilesInfo. Latency per call, APDUs per
 *    second, time per APDU relative to STATUS.
 * 2. LoadBoundProfilePackage of 20 KB and 100 KB SAIP packages on a T=0 card. Every BPP is bound afresh
 *    by the test SM-DP+ binding (no HTTP) after GetEUICCChallenge → AuthenticateServer →
 *    PrepareDownload, since sessions are one-time; only the STORE DATA series from the first BF36
 *    segment to the BF37 is timed. Card set-ups: state in memory and state in a file (atomic write, as
 *    `ewb sim start` and the embedded default run), both answering at once (the baselines), and the
 *    file card behind the modelled 9600-baud link (F=372, D=1 at 3.5712 MHz). The link time comes from
 *    the card's own model through its sleep hook and is added rather than slept: a real 100 KB load at
 *    9600 baud takes over two minutes.
 *
 * Cases are interleaved round by round, so load from other processes on the machine hits every case
 * alike and the same-run ratios stay meaningful. Each installed profile and its notifications are
 * deleted again before the next load. Run: `npx tsx bench/virtual-euicc.ts`.
 * Writes bench/results/virtual-euicc.json.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ApduLog } from '../src-main/card/apdu-log.js';
import { CardSession } from '../src-main/card/card-session.js';
import { buildStoreDataCommands, DEFAULT_STORE_DATA_SEGMENT } from '../src-main/card/store-data.js';
import type { RawCardTransport, TransportInfo } from '../src-main/card/transport.js';
import { buildProfilePackage } from '../src-main/codec/saip/index.js';
import { decode, encode } from '../src-main/codec/schema.js';
import { ES10 } from '../src-main/codec/sgp22/index.js';
import { generateTestPki } from '../src-main/crypto/index.js';
import type { RspPki } from '../src-main/crypto/index.js';
import type { Es10Client } from '../src-main/euicc/es10-client.js';
import { openEs10 } from '../src-main/euicc/es10-session.js';
import { ctxParams1Of } from '../src-main/rsp/device-info.js';
import { EcasdApplet } from '../src-main/sim/card/es10-applet.js';
import { VirtualCardTransport } from '../src-main/sim/card/in-process-transport.js';
import { VirtualCard } from '../src-main/sim/card/virtual-card.js';
import { createProfile } from '../src-main/sim/euicc/state.js';
import type { CardProtocol, LinkSpeedConfig } from '../src-main/sim/euicc/state.js';
import { createVirtualEuicc } from '../src-main/sim/euicc/virtual-euicc.js';
import { OrderStore, SmdpBinding } from '../src-main/sim/smdp/index.js';
import type { ResponseHeader } from '../src-main/sim/smdp/index.js';
import { median, percentile, printTable, writeResults } from './lib/report.js';

/** Throughput: rounds of one time slice per case; the first rounds only warm up. */
const THROUGHPUT_WARM_UP_ROUNDS = 2;
const THROUGHPUT_ROUNDS = 20;
const THROUGHPUT_SLICE_MS = 60;
const INSTALLED_PROFILES = 10;
const PROTOCOLS: readonly CardProtocol[] = ['T=0', 'T=1'];
const BPP_SIZES_KB = [20, 100] as const;
/** BPP: rounds of one load per size and set-up; the first rounds only warm up. */
const BPP_WARM_UP_ROUNDS = 2;
const BPP_ROUNDS = 30;
/** 9600 baud: F=372, D=1 at the usual 3.5712 MHz card clock. */
const LINK_9600: LinkSpeedConfig = { enabled: true, clockHz: 3_571_200, fiDi: 'default' };
const SMDP_HOST = 'bench-smdp.example.com';
/** STATUS with P2=0C (no data, answered 9000 by the platform): what modems send as a keep-alive. */
const STATUS_NO_DATA = { cla: 0x80, ins: 0xf2, p1: 0x00, p2: 0x0c } as const;
const GET_EID_REQUEST = encode(ES10.getEid.request, { tagList: Uint8Array.of(0x5a) });

const round = (n: number, digits: number): number => Math.round(n * 10 ** digits) / 10 ** digits;

/** `items` with their indexes, reversed on odd rounds: no case always runs right after the same other one. */
function inRoundOrder<T>(items: readonly T[], roundNo: number): [number, T][] {
  const indexed = [...items.entries()];
  return roundNo % 2 === 0 ? indexed : indexed.reverse();
}

/** Counts the exchanges reaching the card and the time spent inside the card's transmit. */
class MeteredTransport implements RawCardTransport {
  readonly shape = 'raw' as const;
  readonly info: TransportInfo;
  apdus = 0;
  cardMs = 0;
  /** performance.now() when the first command since restartCount() went out, and when the last answer came back. */
  firstSentAt = 0;
  lastAnsweredAt = 0;

  constructor(private readonly inner: RawCardTransport) {
    this.info = inner.info;
  }

  restartCount(): void {
    this.apdus = 0;
    this.cardMs = 0;
  }

  getAtr(signal?: AbortSignal): Promise<Uint8Array> {
    return this.inner.getAtr(signal);
  }

  async transmit(command: Uint8Array, signal?: AbortSignal): Promise<Uint8Array> {
    const t0 = performance.now();
    if (this.apdus === 0) this.firstSentAt = t0;
    const response = await this.inner.transmit(command, signal);
    this.lastAnsweredAt = performance.now();
    this.cardMs += this.lastAnsweredAt - t0;
    this.apdus++;
    return response;
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

/** A card with a CardSession (full ApduLog, as the services run it) and an ES10 client on the ISD-R. */
interface OpenCard {
  readonly session: CardSession;
  readonly es10: Es10Client;
  readonly meter: MeteredTransport;
  close(): Promise<void>;
}

async function openCard(transport: RawCardTransport, powerDown: () => Promise<void>): Promise<OpenCard> {
  const meter = new MeteredTransport(transport);
  const session = new CardSession(meter, new ApduLog());
  const es10 = await openEs10(session);
  return {
    session,
    es10,
    meter,
    close: async () => {
      await es10.close();
      await session.close();
      await powerDown();
    },
  };
}

/** Opens one card per entry of `specs`, runs `fn` with them, closes every card opened whatever happens. */
async function withCards<S, T>(specs: readonly S[], open: (spec: S) => Promise<OpenCard>, fn: (cards: OpenCard[]) => Promise<T>): Promise<T> {
  const cards: OpenCard[] = [];
  try {
    for (const spec of specs) cards.push(await open(spec));
    return await fn(cards);
  } finally {
    for (const card of cards) await card.close();
  }
}

// ------------------------------------------------------------------------------------ APDU throughput

/** One throughput row per protocol; the first case is the baseline of its protocol. */
interface ThroughputCase {
  readonly command: string;
  call(card: OpenCard): Promise<unknown>;
}

const THROUGHPUT_CASES: readonly ThroughputCase[] = [
  { command: 'STATUS, basic channel (baseline)', call: ({ session }) => session.transmit(STATUS_NO_DATA) },
  // Es10Client sends STORE DATA as case 3 (no Le, as lpac does): the answer waits behind 61xx on T=1 too.
  { command: 'ES10c.GetEID (Es10Client)', call: ({ es10 }) => es10.getEid() },
  {
    command: 'GetEID STORE DATA with Le (case 4)',
    call: async ({ es10 }) => {
      const [command] = buildStoreDataCommands(GET_EID_REQUEST, 0, DEFAULT_STORE_DATA_SEGMENT);
      if (command === undefined) throw new Error('no STORE DATA command for GetEID');
      const response = await es10.channel.transmit({ ...command, le: 256 });
      if (response.sw !== 0x9000) throw new Error(`GetEID answered ${response.sw.toString(16)}`);
      return decode(ES10.getEid.response, response.data);
    },
  },
  { command: `ES10c.GetProfilesInfo, ${INSTALLED_PROFILES} profiles`, call: ({ es10 }) => es10.getProfilesInfo() },
];

interface ThroughputRow {
  command: string;
  protocol: CardProtocol;
  calls: number;
  apdusPerCall: number;
  medianUs: number;
  p90Us: number;
  /** APDUs per second at the median call latency. */
  apdusPerSec: number;
  callsPerSec: number;
  /** Time per APDU relative to STATUS on the same protocol (1 = as cheap as the baseline). */
  perApduVsBaseline: number;
}

interface CallStats {
  latenciesMs: number[];
  apdus: number;
}

/** Calls `call` back to back for one slice, adding latencies and APDU count to `stats` when given. */
async function timeSlice(meter: MeteredTransport, call: () => Promise<unknown>, stats: CallStats | undefined): Promise<void> {
  meter.restartCount();
  const start = performance.now();
  while (performance.now() - start < THROUGHPUT_SLICE_MS) {
    const t0 = performance.now();
    await call();
    stats?.latenciesMs.push(performance.now() - t0);
  }
  if (stats !== undefined) stats.apdus += meter.apdus;
}

async function cardWithProfiles(pki: RspPki, dir: string, protocol: CardProtocol): Promise<OpenCard> {
  const euicc = await createVirtualEuicc({ pki, stateFile: path.join(dir, `throughput-${protocol}.json`), protocol });
  await euicc.state.transaction((draft) => {
    for (let i = 0; i < INSTALLED_PROFILES; i++) {
      const n = String(i).padStart(2, '0');
      draft.profiles.push(
        createProfile({
          iccid: `89444765000000001${n}`,
          imsi: `0010100000001${n}`,
          isdpAid: `A0000005591010FFFFFFFF890000100${i.toString(16).toUpperCase()}`,
          state: i === 0 ? 'enabled' : 'disabled',
          nickname: `Bench ${n}`,
          serviceProviderName: 'Bench Mobile',
        }),
      );
    }
  });
  const card = await openCard(euicc.transport, () => euicc.close());
  const listed = await card.es10.getProfilesInfo();
  if (listed.length !== INSTALLED_PROFILES) throw new Error(`expected ${INSTALLED_PROFILES} profiles, the card lists ${listed.length}`);
  return card;
}

function throughputRow(command: string, protocol: CardProtocol, stats: CallStats, baseline: CallStats): ThroughputRow {
  const apdusPerCall = (s: CallStats): number => s.apdus / s.latenciesMs.length;
  const perApduMs = (s: CallStats): number => median(s.latenciesMs) / apdusPerCall(s);
  const medianMs = median(stats.latenciesMs);
  return {
    command,
    protocol,
    calls: stats.latenciesMs.length,
    apdusPerCall: round(apdusPerCall(stats), 2),
    medianUs: round(medianMs * 1000, 1),
    p90Us: round(percentile(stats.latenciesMs, 90) * 1000, 1),
    apdusPerSec: Math.round(1000 / perApduMs(stats)),
    callsPerSec: Math.round(1000 / medianMs),
    perApduVsBaseline: round(perApduMs(stats) / perApduMs(baseline), 2),
  };
}

async function measureThroughput(pki: RspPki, dir: string): Promise<ThroughputRow[]> {
  return withCards(
    PROTOCOLS,
    (protocol) => cardWithProfiles(pki, dir, protocol),
    async (cards) => {
      const stats = PROTOCOLS.map(() => THROUGHPUT_CASES.map((): CallStats => ({ latenciesMs: [], apdus: 0 })));
      for (let r = 0; r < THROUGHPUT_WARM_UP_ROUNDS + THROUGHPUT_ROUNDS; r++) {
        for (const [p, card] of inRoundOrder(cards, r)) {
          for (const [c, testCase] of inRoundOrder(THROUGHPUT_CASES, r)) {
            await timeSlice(card.meter, () => testCase.call(card), r < THROUGHPUT_WARM_UP_ROUNDS ? undefined : stats[p]?.[c]);
          }
        }
      }
      return PROTOCOLS.flatMap((protocol, p) => {
        const perCase = stats[p] ?? [];
        const baseline = perCase[0];
        if (baseline === undefined) return [];
        return THROUGHPUT_CASES.flatMap((testCase, c) => {
          const s = perCase[c];
          return s === undefined ? [] : [throughputRow(testCase.command, protocol, s, baseline)];
        });
      });
    },
  );
}

// ------------------------------------------------------------------------------ BPP processing time

type StateKeeping = 'memory' | 'file';

interface BppSetup {
  readonly link9600: boolean;
  readonly state: StateKeeping;
}

/** Card set-ups of the BPP rows; ratios compare each with the no-link set-up of the same state keeping. */
const BPP_SETUPS: readonly BppSetup[] = [
  { link9600: false, state: 'memory' },
  { link9600: false, state: 'file' },
  { link9600: true, state: 'file' },
];

const NO_LINK = 'none';
const linkName = (setup: BppSetup): string => (setup.link9600 ? '9600 baud (modelled)' : NO_LINK);

interface BppSample {
  /** First BF36 STORE DATA sent → BF37 received, as the LPA waits for it (link time included). */
  totalMs: number;
  /** Of which inside the card's transmit (processing and state write; link time excluded). */
  cardMs: number;
  /** Of which the modelled link (0 without the link model). */
  linkMs: number;
  apdus: number;
  bppBytes: number;
}

interface BppRow {
  link: string;
  state: StateKeeping;
  profileKb: number;
  packageBytes: number;
  bppBytes: number;
  apdus: number;
  runs: number;
  medianMs: number;
  p90Ms: number;
  cardMedianMs: number;
  linkMedianMs: number;
  /** BPP bytes per second at the median. */
  kbPerSec: number;
  /** Median relative to the same size and state keeping without the link model. */
  vsNoDelay: number;
}

/** A T=0 card of `setup`; `modelledLinkMs.value` grows by the link time the card would have slept. */
async function bppCard(pki: RspPki, dir: string, setup: BppSetup, modelledLinkMs: { value: number }): Promise<OpenCard> {
  const name = `bpp-${setup.state}-${setup.link9600 ? '9600' : 'direct'}`;
  const euicc = await createVirtualEuicc({ pki, protocol: 'T=0', ...(setup.state === 'file' ? { stateFile: path.join(dir, `${name}.json`) } : {}) });
  if (!setup.link9600) return openCard(euicc.transport, () => euicc.close());
  // The same state and ISD-R on a card with the link model, its delays added up instead of slept.
  const slowCard = new VirtualCard({
    store: euicc.state,
    applets: [euicc.isdr.applet, new EcasdApplet()],
    protocol: 'T=0',
    linkSpeed: LINK_9600,
    sleep: async (ms) => {
      modelledLinkMs.value += ms;
    },
  });
  return openCard(new VirtualCardTransport(slowCard), () => euicc.close());
}

type Es9Answer = { header: ResponseHeader } & Record<string, unknown>;

/** A field of a successful ES9+ answer of the binding; a failed answer stops the benchmark. */
function es9Field(what: string, answer: Es9Answer, field: string): string {
  const status = answer.header.functionExecutionStatus;
  const value = answer[field];
  if (status.status !== 'Executed-Success' || typeof value !== 'string') throw new Error(`${what} failed: ${JSON.stringify(status)}`);
  return value;
}

const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');
const unb64 = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'base64'));

/** The LPA's ES10 and ES9+ steps up to a freshly bound BPP for `matchingId` (digest §3.2–3.4). */
async function bindProfile(es10: Es10Client, smdp: SmdpBinding, matchingId: string): Promise<Uint8Array> {
  const challenge = await es10.getEuiccChallenge();
  const info1 = await es10.getEuiccInfo1();
  const init = smdp.initiateAuthentication({ euiccChallenge: b64(challenge), euiccInfo1: b64(info1.raw), smdpAddress: SMDP_HOST });
  const transactionId = es9Field('initiateAuthentication', init, 'transactionId');
  const auth = await es10.authenticateServer({
    serverSigned1: unb64(es9Field('initiateAuthentication', init, 'serverSigned1')),
    serverSignature1: unb64(es9Field('initiateAuthentication', init, 'serverSignature1')),
    euiccCiPKIdToBeUsed: unb64(es9Field('initiateAuthentication', init, 'euiccCiPKIdToBeUsed')),
    serverCertificate: unb64(es9Field('initiateAuthentication', init, 'serverCertificate')),
    ctxParams1: ctxParams1Of(matchingId),
  });
  const client = smdp.authenticateClient({ transactionId, authenticateServerResponse: b64(auth.raw) });
  const prepared = await es10.prepareDownload({
    smdpSigned2: unb64(es9Field('authenticateClient', client, 'smdpSigned2')),
    smdpSignature2: unb64(es9Field('authenticateClient', client, 'smdpSignature2')),
    smdpCertificate: unb64(es9Field('authenticateClient', client, 'smdpCertificate')),
  });
  const bound = smdp.getBoundProfilePackage({ transactionId, prepareDownloadResponse: b64(prepared.raw) });
  return unb64(es9Field('getBoundProfilePackage', bound, 'boundProfilePackage'));
}

interface BppRig {
  readonly setup: BppSetup;
  readonly card: OpenCard;
  readonly modelledLinkMs: { value: number };
}

/** Binds one BPP of `profilePackage`, times its load, then deletes the profile and clears the notifications. */
async function loadOnce(rig: BppRig, smdp: SmdpBinding, orders: OrderStore, profilePackage: Uint8Array, matchingId: string): Promise<BppSample> {
  const { es10, meter } = rig.card;
  orders.add({ matchingId, profilePackage });
  const bpp = await bindProfile(es10, smdp, matchingId);
  meter.restartCount();
  rig.modelledLinkMs.value = 0;
  const result = await es10.loadBoundProfilePackage(bpp);
  const linkMs = rig.modelledLinkMs.value;
  const sample = { totalMs: meter.lastAnsweredAt - meter.firstSentAt + linkMs, cardMs: meter.cardMs, linkMs, apdus: meter.apdus, bppBytes: bpp.length };
  if (!result.ok || result.iccid === undefined) throw new Error(`installation failed: ${result.failure?.message ?? 'no ICCID in the result'}`);
  await es10.deleteProfile({ iccid: result.iccid });
  for (const n of await es10.listNotification()) await es10.removeNotificationFromList(n.seqNumber);
  return sample;
}

function bppRow(setup: BppSetup, kb: number, packageBytes: number, samples: readonly BppSample[], baseline: BppRow | undefined): BppRow {
  const medianMs = median(samples.map((s) => s.totalMs));
  const bppBytes = median(samples.map((s) => s.bppBytes));
  return {
    link: linkName(setup),
    state: setup.state,
    profileKb: kb,
    packageBytes,
    bppBytes,
    apdus: median(samples.map((s) => s.apdus)),
    runs: samples.length,
    medianMs: round(medianMs, 2),
    p90Ms: round(percentile(samples.map((s) => s.totalMs), 90), 2),
    cardMedianMs: round(median(samples.map((s) => s.cardMs)), 2),
    linkMedianMs: round(median(samples.map((s) => s.linkMs)), 1),
    kbPerSec: round(bppBytes / 1024 / (medianMs / 1000), 1),
    vsNoDelay: round(medianMs / (baseline?.medianMs ?? medianMs), 1),
  };
}

async function measureBpp(pki: RspPki, dir: string): Promise<BppRow[]> {
  const orders = new OrderStore();
  const smdp = new SmdpBinding({ pki, orders, host: SMDP_HOST, port: 443 });
  const packages = BPP_SIZES_KB.map((kb) => ({
    kb,
    bytes: buildProfilePackage({ iccid: `8944476599000${String(kb).padStart(5, '0')}1`, imsi: `00101990${String(kb).padStart(5, '0')}01`, spn: 'Bench', size: kb * 1024 }),
  }));
  const rigs = BPP_SETUPS.map((setup) => ({ setup, modelledLinkMs: { value: 0 } }));
  return withCards(
    rigs,
    (rig) => bppCard(pki, dir, rig.setup, rig.modelledLinkMs),
    async (cards) => {
      const samples = rigs.map(() => packages.map((): BppSample[] => []));
      for (let r = 0; r < BPP_WARM_UP_ROUNDS + BPP_ROUNDS; r++) {
        for (const [i, rig] of inRoundOrder(rigs, r)) {
          const card = cards[i];
          if (card === undefined) throw new Error('a BPP card did not open');
          for (const [p, pkg] of inRoundOrder(packages, r)) {
            const sample = await loadOnce({ ...rig, card }, smdp, orders, pkg.bytes, `BENCH-${i}-${pkg.kb}-${r}`);
            if (r >= BPP_WARM_UP_ROUNDS) samples[i]?.[p]?.push(sample);
          }
        }
      }
      const rows: BppRow[] = [];
      for (const [i, { setup }] of rigs.entries()) {
        for (const [p, pkg] of packages.entries()) {
          const baseline = rows.find((row) => row.link === NO_LINK && row.state === setup.state && row.profileKb === pkg.kb);
          rows.push(bppRow(setup, pkg.kb, pkg.bytes.length, samples[i]?.[p] ?? [], baseline));
        }
      }
      return rows;
    },
  );
}

// ------------------------------------------------------------------------------------------- run

const dir = await mkdtemp(path.join(tmpdir(), 'ewb-bench-veuicc-'));
const started = performance.now();
try {
  const pki = generateTestPki({ seed: 'bench-virtual-euicc' });
  process.stderr.write('measuring APDU throughput…\n');
  const throughput = await measureThroughput(pki, dir);
  process.stderr.write('measuring LoadBoundProfilePackage…\n');
  const bpp = await measureBpp(pki, dir);

  const [small, large] = BPP_SIZES_KB;
  const ratios = Object.fromEntries(
    bpp
      .filter((r) => r.profileKb === large)
      .map((r) => {
        const smaller = bpp.find((o) => o.link === r.link && o.state === r.state && o.profileKb === small);
        return [`LoadBPP ${large} KB / ${small} KB, link ${r.link}, state in ${r.state}`, round(r.medianMs / (smaller?.medianMs ?? Number.NaN), 2)];
      }),
  );

  printTable(
    ['command', 'protocol', 'calls', 'APDUs/call', 'median µs', 'p90 µs', 'APDUs/s', 'calls/s', '× STATUS per APDU'],
    throughput.map((r) => [r.command, r.protocol, String(r.calls), String(r.apdusPerCall), String(r.medianUs), String(r.p90Us), r.apdusPerSec.toLocaleString('en'), r.callsPerSec.toLocaleString('en'), String(r.perApduVsBaseline)]),
    (c) => c >= 2,
  );
  console.log('');
  printTable(
    ['LoadBPP: link', 'state', 'profile', 'BPP bytes', 'APDUs', 'runs', 'median ms', 'p90 ms', 'card ms', 'link ms', 'KB/s', '× no delay'],
    bpp.map((r) => [r.link, r.state, `${r.profileKb} KB`, String(r.bppBytes), String(r.apdus), String(r.runs), String(r.medianMs), String(r.p90Ms), String(r.cardMedianMs), String(r.linkMedianMs), String(r.kbPerSec), String(r.vsNoDelay)]),
    (c) => c >= 2,
  );
  console.log('');
  for (const [name, value] of Object.entries(ratios)) console.log(`${name}: × ${value}`);
  console.log(`(run took ${round((performance.now() - started) / 1000, 1)} s)`);

  writeResults('virtual-euicc', {
    settings: {
      throughput: {
        warmUpRounds: THROUGHPUT_WARM_UP_ROUNDS,
        rounds: THROUGHPUT_ROUNDS,
        sliceMs: THROUGHPUT_SLICE_MS,
        installedProfiles: INSTALLED_PROFILES,
        path: 'VirtualCardTransport → CardSession (ApduLog) → Es10Client',
      },
      bpp: {
        warmUpRounds: BPP_WARM_UP_ROUNDS,
        rounds: BPP_ROUNDS,
        protocol: 'T=0',
        setups: BPP_SETUPS,
        link9600: LINK_9600,
        timed: 'first BF36 STORE DATA sent → BF37 received; link time modelled, not slept',
      },
    },
    throughput,
    bpp,
    ratios,
  });
} finally {
  await rm(dir, { recursive: true, force: true });
}
