import { describe, expect, it } from 'vitest';
import { TEST_PROFILE, makeCard } from '../../helpers/sim-card.js';

const ISD_R = 'A0000005591010FFFFFFFF8900000100';
/** The placeholder ISD-R FCI: 6F { 84 AID, A5 { 9F65 01 FF }, E0 { 82 03 02 02 02 } }. */
const ISD_R_FCI = `6F1F8410${ISD_R}A5049F6501FFE005820302020 2`.replace(/ /g, '');

describe('T=0 response framing', () => {
  it('announces FCI with 61xx and hands it out with GET RESPONSE in any class', async () => {
    const { send } = makeCard({ protocol: 'T=0' });
    expect(await send(`00A4040010${ISD_R}`)).toBe('6121');
    expect(await send('00C0000021')).toBe(`${ISD_R_FCI}9000`);
    for (const cla of ['80', '00']) {
      expect(await send(`00A4040010${ISD_R}`)).toBe('6121');
      expect(await send(`${cla}C0000021`)).toBe(`${ISD_R_FCI}9000`);
    }
  });

  it('answers 6Cxx to a GET RESPONSE asking too much, and chains with 61xx when asked less', async () => {
    const { send } = makeCard({ protocol: 'T=0' });
    expect(await send(`00A4040010${ISD_R}`)).toBe('6121');
    expect(await send('00C0000000')).toBe('6C21');
    expect(await send('00C0000010')).toBe(`${ISD_R_FCI.slice(0, 32)}6111`);
    expect(await send('00C0000011')).toBe(`${ISD_R_FCI.slice(32)}9000`);
    expect(await send('00C0000011')).toBe('6985'); // nothing pending any more
  });

  it('drops pending data when another command comes on the channel', async () => {
    const { send } = makeCard({ protocol: 'T=0' });
    expect(await send(`00A4040010${ISD_R}`)).toBe('6121');
    expect(await send('80AA00000AA9088100820101830107')).toBe('9000');
    expect(await send('00C0000021')).toBe('6985');
  });

  it('answers case 2 commands directly when Le matches, else 6Cxx', async () => {
    const { send } = makeCard({ profile: TEST_PROFILE, protocol: 'T=0' });
    expect(await send('00A4080C022FE2')).toBe('9000');
    expect(await send('00B0000000')).toBe('6C0A');
    expect(await send('00B000000A')).toMatch(/^984474560000214365F79000$/);
    expect(await send('00B0000004')).toBe('984474569000');
    expect(await send('00A4080C022F00')).toBe('9000');
    expect(await send('00B2010410')).toBe('6C20');
  });

  it('uses 61xx for case 4 commands, as T=0 cannot return data to them directly', async () => {
    const { send } = makeCard({ protocol: 'T=0' });
    expect(await send(`00A4040010${ISD_R}00`)).toBe('6121');
  });
});

describe('T=1 response framing', () => {
  it('returns data directly for case 4 and case 2 commands', async () => {
    const { send } = makeCard({ profile: TEST_PROFILE, protocol: 'T=1' });
    expect(await send(`00A4040010${ISD_R}00`)).toBe(`${ISD_R_FCI}9000`);
    expect(await send('00A4080C022FE2')).toBe('9000');
    expect(await send('00B0000000')).toBe('984474560000214365F79000'); // Le 00 = up to 256
  });

  it('still uses 61xx when a command carries no Le, and when Le is smaller than the data', async () => {
    const { send } = makeCard({ protocol: 'T=1' });
    expect(await send(`00A4040010${ISD_R}`)).toBe('6121');
    expect(await send('00C0000000')).toBe(`${ISD_R_FCI}9000`);
    expect(await send(`00A4040010${ISD_R}10`)).toBe(`${ISD_R_FCI.slice(0, 32)}6111`);
    expect(await send('00C0000000')).toBe(`${ISD_R_FCI.slice(32)}9000`);
  });
});

describe('classic commands', () => {
  it('answers TERMINAL CAPABILITY, TERMINAL PROFILE (80 and A0) and STATUS', async () => {
    const { send } = makeCard({ profile: TEST_PROFILE, protocol: 'T=1' });
    expect(await send('80AA00000AA9088100820101830107')).toBe('9000');
    expect(await send('801000000A' + 'FF'.repeat(10))).toBe('9000');
    expect(await send('A01000000A' + 'FF'.repeat(10))).toBe('9000');
    expect(await send('00A4040C10A0000000871002FFFFFFFF8907090000')).toBe('9000');
    expect(await send('80F2000112')).toBe('8410A0000000871002FFFFFFFF89070900009000');
    expect(await send('80F2000C00')).toBe('9000');
    expect(await send('80F2000000')).toMatch(/^62[0-9A-F]{2}8202782183027FFF.*9000$/);
  });

  it('rejects unknown classes and instructions', async () => {
    const { send } = makeCard({ protocol: 'T=1' });
    expect(await send('20A4000C023F00')).toBe('6E00');
    expect(await send('B0A4000C023F00')).toBe('6E00');
    expect(await send('10A4000C023F00')).toBe('6884');
    expect(await send('00FE000000')).toBe('6D00');
    expect(await send('80A4000C023F00')).toBe('6E00');
    expect(await send('00A4')).toBe('6700');
  });
});
