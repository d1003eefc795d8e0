/**
 * Child process for the kill -9 test of an interrupted BPP load: runs a download into a state file,
 * sends only the first `<pieces>` LoadBoundProfilePackage calls, prints `loading`, then waits to be
 * killed with SIGKILL (the power loss in the middle of the package).
 */
import { generateTestPki } from '../../src-main/crypto/index.js';
import { createVirtualEuicc } from '../../src-main/sim/euicc/virtual-euicc.js';
import { INTERRUPT_PKI_SEED, runDownload, TestSmdp } from './virtual-euicc.js';

const [file, pieces] = process.argv.slice(2);
if (file === undefined || pieces === undefined) throw new Error('usage: virtual-euicc-interrupt-child <state file> <pieces>');
const pki = generateTestPki({ seed: INTERRUPT_PKI_SEED, curves: ['prime256v1'] });
const v = await createVirtualEuicc({ pki, stateFile: file });
await runDownload(v.isdr, new TestSmdp(pki), pki.euicc.eid, { tamper: (all) => all.slice(0, Number(pieces)) });
process.stdout.write('loading\n');
setInterval(() => undefined, 60_000); // keep the process (and the half-loaded package) alive until killed
