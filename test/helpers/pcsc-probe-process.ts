/**
 * Run as a child process by test/system/pcsc-unavailable.test.ts: starts a PcscContext and a
 * PcscDeviceProvider in a process whose libpcsclite looks for pcscd at PCSCLITE_CSOCK_NAME (set by
 * the parent), and prints what they report as one JSON line. libpcsclite reads that variable once
 * per process, so this cannot run inside the test's own process.
 */
import { isWorkbenchError } from '../../shared/errors.js';
import { PcscContext } from '../../src-main/links/pcsc-context.js';
import { PcscDeviceProvider } from '../../src-main/services/providers/pcsc-provider.js';

const context = new PcscContext();
const startError = await context.start().then(
  () => undefined,
  (err: unknown) => (isWorkbenchError(err) ? err.toJSON() : { code: 'NOT_A_WORKBENCH_ERROR', message: String(err) }),
);
const provider = new PcscDeviceProvider({ context });
const devices = await provider.list();
await provider.close();
await context.close();
process.stdout.write(`${JSON.stringify({ startError, availability: context.availability.state, devices })}\n`);
