/**
 * Child process for the state-store atomicity test: commits transactions as fast as it can, each one
 * setting `counter` and a bulky payload derived from it, and prints `committed <n>` after each. The
 * test kills it with SIGKILL at an arbitrary moment.
 */
import { StateStore } from '../../src-main/sim/euicc/state-store.js';
import { writerState } from './sim-state.js';

const file = process.argv[2];
if (file === undefined) throw new Error('usage: sim-state-writer <file>');
const store = await StateStore.open(file, { initial: () => writerState(0) });
for (let n = 1; ; n++) {
  await store.transaction((draft) => {
    Object.assign(draft, writerState(n));
  });
  process.stdout.write(`committed ${n}\n`);
}
