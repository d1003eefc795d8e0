/**
 * Profile download cost: profiles of 10, 50 and 100 KB from the test SM-DP+ (HTTPS on loopback) into
 * the in-process virtual eUICC, first with the card answering at once (baseline), then with the
 * card's modelled 9600-baud link (state config linkSpeed, F=372/D=1 at 3.57 MHz), measured in the
 * same run. Per case: wall time, APDU count, bytes to the card, HTTPS requests and TLS handshakes (one
 * per download expected), and where the time went: card (APDU exchanges), network + SM-DP+ (ES9+
 * exchanges) and the LPA itself (the rest), the latter as a share of the total.
 * Run: `npx tsx bench/download.ts`. Writes bench/results/download.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildProfilePackage } from '../src-main/codec/saip/index.js';
import { runDownload } from '../src-main/rsp/download.js';
import type { DownloadContext } from '../src-main/rsp/download.js';
import { startRspLab } from '../test/helpers/rsp-lab.js';

const SIZES_KB = [10, 50, 100] as const;
/** Downloads per case (the median is reported); the modelled link is deterministic, one run is enough. */
const LINKS = [
  { name: 'baseline (no link delay)', slow: false, runs: 5 },
  { name: '9600 baud (modelled)', slow: true, runs: 1 },
] as const;

interface Sample {
  wallMs: number;
  apdus: number;
  bytesToCard: number;
  cardMs: number;
  httpsRequests: number;
  tlsHandshakes: number;
  resumedHandshakes: number;
  networkMs: number;
}

interface Row {
  link: string;
  profileKb: number;
  runs: number;
  wallMs: number;
  apdus: number;
  bytesToCard: number;
  httpsRequests: number;
  tlsHandshakesPerDownload: number;
  /** Of those, resumed sessions: the server closed the idle connection during a long card phase. */
  resumedHandshakes: number;
  cardMs: number;
  networkAndServerMs: number;
  lpaOverheadMs: number;
  /** LPA overhead / wall time. */
  lpaOverheadShare: number;
  /** Wall time relative to the baseline of the same size. */
  vsBaseline: number;
}

const context: DownloadContext = {
  signal: AbortSignal.timeout(30 * 60_000),
  progress: () => undefined,
  notice: () => undefined,
  prompt: () => Promise.reject(new Error('the benchmark answers no prompts')),
};

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

const round = (n: number, digits = 1): number => Math.round(n * 10 ** digits) / 10 ** digits;

async function measureCase(sizeKb: number, slow: boolean, runs: number): Promise<Sample[]> {
  const lab = await startRspLab();
  try {
    if (slow) {
      await lab.euicc.state.transaction((draft) => {
        draft.config.linkSpeed = { enabled: true, clockHz: 3_571_200, fiDi: 'default' };
      });
    }
    const samples: Sample[] = [];
    for (let run = 0; run < runs; run++) {
      const matchingId = `BENCH-${sizeKb}-${run}`;
      const iccid = `8949449999${String(sizeKb).padStart(3, '0')}00${run}01`.slice(0, 19);
      lab.smdp.orders.add({ matchingId, profilePackage: buildProfilePackage({ iccid, imsi: `00101${String(sizeKb).padStart(5, '0')}0000${run}`, spn: 'Bench', size: sizeKb * 1024 }) });
      let apdus = 0;
      let bytesToCard = 0;
      let cardMs = 0;
      let networkMs = 0;
      const stopLog = lab.log.onEntry((entry) => {
        apdus++;
        bytesToCard += (entry.command.length + 1) / 3;
        cardMs += entry.durationMs;
      });
      const handshakesBefore = lab.smdp.stats.tlsHandshakes;
      const requestsBefore = lab.smdp.stats.requests;
      const t0 = performance.now();
      const result = await lab.withCard((card) =>
        runDownload(
          { card, es9: { ...lab.es9, onExchange: (e) => (networkMs += e.durationMs) }, notifications: lab.queue },
          { activationCode: lab.activationCode(matchingId), autoConsent: true },
          context,
        ),
      );
      const wallMs = performance.now() - t0;
      stopLog();
      if (result.notificationsSent !== 1) throw new Error(`expected the PIR to be delivered, got ${result.notificationsSent}`);
      samples.push({
        wallMs,
        apdus,
        bytesToCard,
        cardMs,
        networkMs,
        httpsRequests: lab.smdp.stats.requests - requestsBefore,
        tlsHandshakes: lab.smdp.stats.tlsHandshakes - handshakesBefore,
        resumedHandshakes: result.http.resumedHandshakes,
      });
      // Free the card for the next run (profiles accumulate otherwise).
      await lab.withCard(async (card) => {
        await card.deleteProfile({ iccid: result.iccid });
        await card.listNotification().then((list) => Promise.all(list.map((n) => card.removeNotificationFromList(n.seqNumber))));
      });
    }
    return samples;
  } finally {
    await lab.close();
  }
}

const rows: Row[] = [];
const baselineWall = new Map<number, number>();
for (const link of LINKS) {
  for (const sizeKb of SIZES_KB) {
    const samples = await measureCase(sizeKb, link.slow, link.runs);
    const wallMs = median(samples.map((s) => s.wallMs));
    const cardMs = median(samples.map((s) => s.cardMs));
    const networkMs = median(samples.map((s) => s.networkMs));
    const overhead = Math.max(0, wallMs - cardMs - networkMs);
    if (!link.slow) baselineWall.set(sizeKb, wallMs);
    const row: Row = {
      link: link.name,
      profileKb: sizeKb,
      runs: samples.length,
      wallMs: round(wallMs),
      apdus: median(samples.map((s) => s.apdus)),
      bytesToCard: median(samples.map((s) => s.bytesToCard)),
      httpsRequests: median(samples.map((s) => s.httpsRequests)),
      tlsHandshakesPerDownload: Math.max(...samples.map((s) => s.tlsHandshakes)),
      resumedHandshakes: Math.max(...samples.map((s) => s.resumedHandshakes)),
      cardMs: round(cardMs),
      networkAndServerMs: round(networkMs),
      lpaOverheadMs: round(overhead),
      lpaOverheadShare: round(overhead / wallMs, 3),
      vsBaseline: round(wallMs / (baselineWall.get(sizeKb) ?? wallMs), 2),
    };
    rows.push(row);
    console.log(
      `${row.link.padEnd(26)} ${String(row.profileKb).padStart(4)} KB  wall ${String(row.wallMs).padStart(9)} ms  APDUs ${String(row.apdus).padStart(5)}  to card ${String(row.bytesToCard).padStart(7)} B  HTTPS ${row.httpsRequests}  TLS ${row.tlsHandshakesPerDownload} (${row.resumedHandshakes} resumed)  card ${row.cardMs} ms  net+DP ${row.networkAndServerMs} ms  LPA ${(row.lpaOverheadShare * 100).toFixed(1)} %  ×${row.vsBaseline}`,
    );
  }
}

const badHandshakes = rows.filter((r) => r.tlsHandshakesPerDownload - r.resumedHandshakes !== 1);
if (badHandshakes.length > 0) console.log(`WARNING: ${badHandshakes.length} case(s) needed more than one full TLS handshake per download.`);
const resumed = rows.filter((r) => r.resumedHandshakes > 0);
if (resumed.length > 0) console.log(`NOTE: ${resumed.length} case(s) reconnected (resumed TLS session) after the server closed the idle connection during the card phase.`);

const out = join(dirname(fileURLToPath(import.meta.url)), 'results', 'download.json');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(
  out,
  `${JSON.stringify({ benchmark: 'download', date: new Date().toISOString(), node: process.version, cpu: cpus()[0]?.model ?? 'unknown', rows }, null, 2)}\n`,
);
console.log(`written ${out}`);
