/**
 * `startVirtualQmiModem`: the virtual QMI modem with its endpoints, as `ewb sim modem --qmi` and the
 * tests start it.
 */
import type { ModemSimCard } from './modem-card.js';
import { QMI_MODEM_PROFILES } from './modem-profiles.js';
import type { QmiModemProfile, QmiModemProfileName } from './modem-profiles.js';
import { serveEndpoint } from './endpoints.js';
import type { QmiModemEndpoint, ServedEndpoint } from './endpoints.js';
import { VirtualQmiModem } from './virtual-qmi-modem.js';

export interface VirtualQmiModemOptions {
  readonly card: ModemSimCard;
  /** Behaviour row or its name; default the seed's EM7455 (refuses blank cards, allows SAP). */
  readonly profile?: QmiModemProfileName | QmiModemProfile;
  readonly endpoints: readonly QmiModemEndpoint[];
  /** Protocol trace of the modem side, one line per frame. */
  readonly onLog?: (message: string) => void;
}

export interface RunningVirtualQmiModem {
  readonly modem: VirtualQmiModem;
  readonly endpoints: readonly ServedEndpoint[];
  /** The first pty endpoint's device path, if any. */
  readonly ptyPath?: string;
  close(): Promise<void>;
}

export async function startVirtualQmiModem(options: VirtualQmiModemOptions): Promise<RunningVirtualQmiModem> {
  const profile = typeof options.profile === 'object' ? options.profile : QMI_MODEM_PROFILES[options.profile ?? 'sierra-em7455'];
  const log = options.onLog ?? (() => {});
  const modem = new VirtualQmiModem(options.card, profile, log);
  await modem.start();
  const served: Awaited<ReturnType<typeof serveEndpoint>>[] = [];
  const close = async (): Promise<void> => {
    for (const s of served.splice(0)) await s.close();
  };
  try {
    for (const e of options.endpoints) served.push(await serveEndpoint(modem, e, log));
  } catch (err) {
    await close();
    throw err;
  }
  const pty = served.find((s) => s.endpoint.kind === 'pty');
  return { modem, endpoints: served.map((s) => s.endpoint), ...(pty ? { ptyPath: pty.endpoint.address } : {}), close };
}
