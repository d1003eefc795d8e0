/**
 * Transport overhead: ES10c.GetProfilesInfo latency and full profile download wall time through each
 * transport, as ratios to the in-process virtual eUICC measured in the same run. Each transport is
 * one row of TRANSPORT_ROWS (adding a transport is adding a row); a row whose tools are missing is skipped and the
 * reason printed. Every row gets a fresh RSP lab (test SM-DP+ on loopback + virtual eUICC with one
 * installed profile). Run: `npx tsx bench/transports.ts`. Writes bench/results/transports.json.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ApduLog } from '../src-main/card/apdu-log.js';
import { CardSession } from '../src-main/card/card-session.js';
import type { CardTransport } from '../src-main/card/transport.js';
import { withEs10 } from '../src-main/euicc/es10-session.js';
import { PcscContext } from '../src-main/links/pcsc-context.js';
import { loadPcscLibrary } from '../src-main/links/pcsc-library.js';
import { runDownload } from '../src-main/rsp/download.js';
import { startVirtualAtModem } from '../src-main/sim/at-modem/pty.js';
import { VirtualCardTransport } from '../src-main/sim/card/in-process-transport.js';
import type { VirtualCard } from '../src-main/sim/card/virtual-card.js';
import { createProfile } from '../src-main/sim/euicc/state.js';
import { VPCD_DEFAULT_PORT } from '../src-main/sim/vpcd/vpcd-protocol.js';
import { createAtCardTransport, openAtModem } from '../src-main/transports/at/modem.js';
import { PcscCardTransport } from '../src-main/transports/pcsc/pcsc-transport.js';
import { openQmiCard } from '../src-main/transports/qmi/open-qmi-card.js';
import type { QmiCardMode } from '../src-main/transports/qmi/open-qmi-card.js';
import { startVirtualQmiModem } from '../src-main/sim/qmi-modem/start-virtual-qmi-modem.js';
import { VPCD_SLOTS, insertIntoVpcd } from '../test/helpers/pcsc-vpcd.js';
import { startRspLab } from '../test/helpers/rsp-lab.js';
import { TEST_PROFILE } from '../test/helpers/sim-card.js';
import { missingPcscTools, startPcscd } from '../test/helpers/sim-pcscd.js';
import { median, printTable, writeResults } from './lib/report.js';

const WARM_UP = 5;
const GET_PROFILES_RUNS = 30;
const DOWNLOADS = 3;

/** A card reachable through one transport; `open` gives a fresh transport per session. */
interface AttachedCard {
  /** E.g. the negotiated PC/SC protocol or the AT quirk profile. */
  readonly note: string;
  open(): Promise<CardTransport>;
  detach(): Promise<void>;
}

interface TransportRow {
  readonly name: string;
  /** Why the row cannot run on this machine; undefined when it can. */
  unavailable(): Promise<string | undefined>;
  attach(card: VirtualCard): Promise<AttachedCard>;
}

function onPath(binary: string): boolean {
  return (process.env.PATH ?? '/usr/bin').split(':').some((d) => existsSync(join(d, binary)));
}

/**
 * The virtual QMI modem (seed EM7455 row) on a socat pty, QMUX on the character-device link. Every
 * session opens the card afresh as the services do: client id, card status, then a logical channel or
 * a SAP connection — and a SAP session ends with the disconnect and the modem's re-probe of the card.
 */
function qmiRow(name: string, mode: Exclude<QmiCardMode, 'auto'>): TransportRow {
  return {
    name,
    unavailable: async () => (onPath('socat') ? undefined : 'not installed: socat'),
    attach: async (card) => {
      const modem = await startVirtualQmiModem({ card, profile: 'sierra-em7455', endpoints: [{ kind: 'pty' }] });
      const location = { kind: 'qmux-device', path: modem.ptyPath ?? '' } as const;
      return {
        note: `${modem.modem.profile.name}, ${mode === 'sap' ? 'UIM SAP' : 'open logical channel + send APDU'}`,
        open: async () => (await openQmiCard({ location, mode })).transport,
        detach: () => modem.close(),
      };
    },
  };
}

const TRANSPORT_ROWS: readonly TransportRow[] = [
  {
    name: 'in-process (baseline)',
    unavailable: async () => undefined,
    attach: async (card) => ({ note: 'VirtualCardTransport', open: async () => new VirtualCardTransport(card), detach: async () => undefined }),
  },
  {
    name: 'PC/SC (pcscd + vpcd)',
    unavailable: async () => {
      const missing = missingPcscTools();
      if (missing.length > 0) return `not installed: ${missing.join(', ')}`;
      // pcscd itself is started for the run when it is not running; the binding must load.
      return loadPcscLibrary().then(
        () => undefined,
        (err: unknown) => (err instanceof Error ? err.message : String(err)),
      );
    },
    attach: async (card) => {
      const pcscd = await startPcscd(VPCD_DEFAULT_PORT);
      const client = await insertIntoVpcd(card, 0);
      const context = new PcscContext();
      const reader = VPCD_SLOTS[0].reader;
      await context.waitForReader(reader, (s) => s?.cardPresent === true, AbortSignal.timeout(15_000));
      const probe = await PcscCardTransport.open(context, reader);
      const note = `${probe.protocol}, shared`;
      await probe.close();
      return {
        note,
        open: () => PcscCardTransport.open(context, reader),
        detach: async () => {
          await client.stop();
          await context.close();
          await pcscd.stop();
        },
      };
    },
  },
  {
    name: 'AT modem (virtual, socat pty)',
    unavailable: async () => (onPath('socat') ? undefined : 'not installed: socat'),
    attach: async (card) => {
      const running = await startVirtualAtModem({ card, profile: 'generic' });
      const { engine, selection } = await openAtModem(running.path);
      return {
        note: `quirk profile ${selection.profile.id}`,
        open: async () => createAtCardTransport(engine, selection.profile, { ownsEngine: false }),
        detach: async () => {
          await engine.close();
          await running.close();
        },
      };
    },
  },
  qmiRow('QMI UIM SAP (virtual modem, socat pty)', 'sap'),
  qmiRow('QMI logical channel (virtual modem, socat pty)', 'channel'),
];

const round = (ms: number): number => Math.round(ms * 100) / 100;

interface Measured {
  transport: string;
  note: string;
  getProfilesInfoMedianMs: number;
  getProfilesInfoMinMs: number;
  downloadMedianMs: number;
}

/** GetProfilesInfo inside one ES10 session (session set-up excluded), then full downloads each in their own session. */
async function measureRow(row: TransportRow): Promise<Measured> {
  const lab = await startRspLab();
  await lab.euicc.state.transaction((draft) => {
    draft.profiles.push(createProfile(TEST_PROFILE));
  });
  const attached = await row.attach(lab.euicc.card);
  try {
    const measuring = new CardSession(await attached.open(), new ApduLog());
    const latencies = await withEs10(measuring, async (es10) => {
      for (let i = 0; i < WARM_UP; i++) await es10.getProfilesInfo();
      const times: number[] = [];
      for (let i = 0; i < GET_PROFILES_RUNS; i++) {
        const t0 = performance.now();
        await es10.getProfilesInfo();
        times.push(performance.now() - t0);
      }
      return times;
    });
    await measuring.close();
    const downloads: number[] = [];
    for (let i = 0; i < DOWNLOADS; i++) {
      const matchingId = `BENCH-${i}`;
      lab.smdp.orders.add({ matchingId, profile: { iccid: `894944999999999${String(100 + i)}1`, imsi: `00101000000${String(1000 + i)}`, spn: `Bench ${i}` } });
      const t0 = performance.now();
      const session = new CardSession(await attached.open(), new ApduLog());
      await withEs10(session, (card) =>
        runDownload({ card, es9: lab.es9, notifications: lab.queue }, { activationCode: lab.activationCode(matchingId), autoConsent: true }, {
          signal: AbortSignal.timeout(120_000),
          progress: () => undefined,
          notice: () => undefined,
          prompt: () => Promise.reject(new Error('the benchmark answers no prompts')),
        }),
      );
      await session.close();
      downloads.push(performance.now() - t0);
    }
    return {
      transport: row.name,
      note: attached.note,
      getProfilesInfoMedianMs: round(median(latencies)),
      getProfilesInfoMinMs: round(Math.min(...latencies)),
      downloadMedianMs: round(median(downloads)),
    };
  } finally {
    await attached.detach();
    await lab.close();
  }
}

const measured: Measured[] = [];
const skipped: { transport: string; reason: string }[] = [];
for (const row of TRANSPORT_ROWS) {
  const reason = await row.unavailable();
  if (reason !== undefined) {
    skipped.push({ transport: row.name, reason });
    continue;
  }
  process.stderr.write(`measuring ${row.name}…\n`);
  measured.push(await measureRow(row));
}

const baseline = measured[0];
const ratio = (value: number, base: number | undefined): number => (base === undefined || base === 0 ? Number.NaN : Math.round((value / base) * 100) / 100);
const results = measured.map((m) => ({
  ...m,
  getProfilesInfoRatio: ratio(m.getProfilesInfoMedianMs, baseline?.getProfilesInfoMedianMs),
  downloadRatio: ratio(m.downloadMedianMs, baseline?.downloadMedianMs),
}));

printTable(
  ['transport', 'GetProfilesInfo ms (median)', '× in-process', 'download ms (median)', '× in-process', 'note'],
  results.map((r) => [r.transport, String(r.getProfilesInfoMedianMs), String(r.getProfilesInfoRatio), String(r.downloadMedianMs), String(r.downloadRatio), r.note]),
  (c) => c >= 1 && c <= 4,
);
for (const s of skipped) console.log(`skipped ${s.transport}: ${s.reason}`);

writeResults('transports', { runs: { warmUp: WARM_UP, getProfilesInfo: GET_PROFILES_RUNS, downloads: DOWNLOADS }, results, skipped });
