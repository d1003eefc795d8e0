import { describe, expect, it } from 'vitest';
import { TEST_PROFILE, makeCard } from '../../helpers/sim-card.js';

const ISD_R = 'A0000005591010FFFFFFFF8900000100';
/** GetEID request, one STORE DATA block. */
const GET_EID = 'BF3E035C015A';

/** CLA of `channel` in ISO (00/40 form) or proprietary (80/C0 form) class. */
function cla(channel: number, proprietary: boolean): string {
  const base = channel < 4 ? channel : 0x40 | (channel - 4);
  return ((proprietary ? 0x80 : 0) | base).toString(16).padStart(2, '0').toUpperCase();
}

describe('logical channels', () => {
  it('opens channels the card assigns, in order, and closes them', async () => {
    const { send } = makeCard({ protocol: 'T=1' });
    expect(await send('0070000001')).toBe('019000');
    expect(await send('0070000001')).toBe('029000');
    expect(await send('0070800100')).toBe('9000');
    expect(await send('0070000001')).toBe('019000'); // lowest free again
    expect(await send('0070800000')).toBe('6A86'); // the basic channel stays
    expect(await send('0070800700')).toBe('6881');
  });

  it.each([1, 3, 4, 19])('selects the ISD-R and runs STORE DATA on channel %i with both CLA forms', async (channel) => {
    const { send } = makeCard({ protocol: 'T=0' });
    const p2 = channel.toString(16).padStart(2, '0').toUpperCase();
    expect(await send(`007000${p2}00`)).toBe('9000');
    expect(await send(`${cla(channel, false)}A4040010${ISD_R}`)).toBe('6121');
    expect(await send(`${cla(channel, true)}C0000021`)).toMatch(new RegExp(`^6F1F8410${ISD_R}.*9000$`));
    expect(await send(`${cla(channel, true)}E2910006${GET_EID}`)).toBe('6108');
    // GET RESPONSE accepted in the ISO and the proprietary class of the same channel.
    expect(await send(`${cla(channel, false)}C0000008`)).toBe(`3006${GET_EID}9000`);
    // Closed channel: everything on it is 6881.
    expect(await send(`007080${p2}00`)).toBe('9000');
    expect(await send(`${cla(channel, true)}E2910006${GET_EID}`)).toBe('6881');
  });

  it('answers 6881 on channels never opened', async () => {
    const { send } = makeCard({ protocol: 'T=1' });
    expect(await send(`01A4040010${ISD_R}`)).toBe('6881');
    expect(await send(`4FA4040010${ISD_R}`)).toBe('6881');
    expect(await send('0070001400')).toBe('6881'); // channel 20 does not exist
  });

  it('keeps the selection of each channel apart', async () => {
    const { send } = makeCard({ profile: TEST_PROFILE, protocol: 'T=1' });
    expect(await send('0070000001')).toBe('019000');
    expect(await send(`01A4040C10${ISD_R}`)).toBe('9000');
    expect(await send('00A4080C022FE2')).toBe('9000');
    // Channel 0 reads EF.ICCID; channel 1 talks to the ISD-R, which knows no READ BINARY.
    expect(await send('00B000000A')).toMatch(/9000$/);
    expect(await send('01B000000A')).toBe('6D00');
    expect(await send(`81E2910006${GET_EID}00`)).toBe(`3006${GET_EID}9000`);
    expect(await send(`80E2910006${GET_EID}00`)).toBe('6D00');
  });

  it('opens a channel from another one with that channel\'s current DF', async () => {
    const { send } = makeCard({ profile: TEST_PROFILE, protocol: 'T=1' });
    expect(await send('0070000001')).toBe('019000');
    expect(await send('01A4000C027F10')).toBe('9000');
    expect(await send('0170000001')).toBe('029000');
    expect(await send('02A4000C026F3A')).toBe('9000'); // child of DF.TELECOM
    expect(await send('00A4000C026F3A')).toBe('6A82'); // basic channel is still at the MF
  });

  it('refuses an already open channel and runs out after 19', async () => {
    const { send } = makeCard({ protocol: 'T=1' });
    for (let i = 1; i <= 19; i++) expect(await send('0070000001')).toBe(`${i.toString(16).padStart(2, '0').toUpperCase()}9000`);
    expect(await send('0070000001')).toBe('6A81');
    expect(await send('0070000500')).toBe('6A86');
  });
});
