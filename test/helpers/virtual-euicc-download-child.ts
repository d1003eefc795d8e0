/**
 * Child process for the kill -9 test of the virtual eUICC: downloads profiles (each one enabled
 * afterwards) into a state file as fast as it can and prints `installed <n>` after each PIR. The test
 * kills it with SIGKILL at an arbitrary moment of a later download.
 */
import { ES10 } from '../../src-main/codec/sgp22/index.js';
import { generateTestPki } from '../../src-main/crypto/index.js';
import { createVirtualEuicc } from '../../src-main/sim/euicc/virtual-euicc.js';
import { callIsdr, runDownload, TestSmdp } from './virtual-euicc.js';

const file = process.argv[2];
if (file === undefined) throw new Error('usage: virtual-euicc-download-child <state file>');
const pki = generateTestPki({ seed: 'kill-test', curves: ['prime256v1'] });
const v = await createVirtualEuicc({ pki, stateFile: file });
const smdp = new TestSmdp(pki);
for (let n = 1; ; n++) {
  const iccid = `89444765000000${String(n).padStart(4, '0')}1`;
  await runDownload(v.isdr, smdp, pki.euicc.eid, { iccid, padTo: 3000 });
  await callIsdr(v.isdr, ES10.enableProfile, { profileIdentifier: { kind: 'iccid', value: iccid }, refreshFlag: false });
  process.stdout.write(`installed ${n}\n`);
}
