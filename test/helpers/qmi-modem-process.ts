/**
 * Runs the virtual QMI modem in its own process (so it can live in a private network namespace):
 * `node --import tsx test/helpers/qmi-modem-process.ts '<json options>'`. Prints `READY <endpoints>` once
 * listening, then one `EVENT <json>` line per modem event; exits on SIGTERM.
 * Options: { provisioned?: boolean, profile?: string, endpoints: QmiModemEndpoint[] }.
 */
import type { QmiModemEndpoint } from '../../src-main/sim/qmi-modem/endpoints.js';
import type { QmiModemProfileName } from '../../src-main/sim/qmi-modem/modem-profiles.js';
import { startVirtualQmiModem } from '../../src-main/sim/qmi-modem/start-virtual-qmi-modem.js';
import { toHex } from '../../shared/hex.js';
import { createScriptedEuicc } from './qmi-scripted-card.js';

const options = JSON.parse(process.argv[2] ?? '{}') as { provisioned?: boolean; profile?: QmiModemProfileName; endpoints: QmiModemEndpoint[] };
const running = await startVirtualQmiModem({
  card: createScriptedEuicc({ provisioned: options.provisioned ?? false }),
  ...(options.profile ? { profile: options.profile } : {}),
  endpoints: options.endpoints,
});
running.modem.onEvent((e) => process.stdout.write(`EVENT ${JSON.stringify(e, (_k, v: unknown) => (v instanceof Uint8Array ? toHex(v) : v))}\n`));
process.stdout.write(`READY ${JSON.stringify(running.endpoints)}\n`);
process.on('SIGTERM', () => void running.close().then(() => process.exit(0)));
