import { describe, expect, it } from 'vitest';
import { makeCard, seed000Exchanges } from '../../helpers/sim-card.js';

describe('blank eUICC reproduces seed 000', () => {
  const exchanges = seed000Exchanges();

  it('finds the ten exchanges of the trace', () => {
    expect(exchanges.map((e) => e.command.slice(0, 8))).toEqual([
      '00A40004', '00C00000', '80AA0000', '00A40804', '00A40804', '00A40804', '80100000', '00A40804', '00A40004', '00C00000',
    ]);
  });

  it('answers every command of the trace byte for byte (T=0)', async () => {
    const { send, card } = makeCard({ protocol: 'T=0' });
    expect(card.isBlank).toBe(true);
    for (const e of exchanges) expect({ command: e.command, response: await send(e.command) }).toEqual(e);
  });

  it('keeps the ISD-R and ECASD selectable while EF.DIR and the USIM are absent', async () => {
    const { send } = makeCard({ protocol: 'T=0' });
    expect(await send('00A4040010A0000005591010FFFFFFFF8900000100')).toMatch(/^61[0-9A-F]{2}$/);
    expect(await send('00A4040010A0000005591010FFFFFFFF8900000200')).toMatch(/^61[0-9A-F]{2}$/);
    expect(await send('00A4000C027FFF')).toBe('6A82');
    expect(await send('00A404040CA0000000871002FFFFFFFF89')).toBe('6A82');
    expect(await send('00A40004022F06')).toBe('6A82');
  });
});
