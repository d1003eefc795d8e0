/** State fixtures for state-store tests (shared by the test and its child writer process). */
import { createBlankState, createProfile, type EuiccState } from '../../src-main/sim/euicc/state.js';

/** A state determined by `n` alone, big enough (≈100 KB) that a write takes several syscalls. */
export function writerState(n: number): EuiccState {
  const state = createBlankState();
  state.notifications.nextSeqNumber = n;
  state.defaultDpAddress = `smdp-${n}.example`;
  state.profiles.push({
    ...createProfile({ iccid: '8944476500001234567', imsi: '001010123456789', smsRecords: 250 }),
    nickname: `generation ${n}`,
  });
  return state;
}
