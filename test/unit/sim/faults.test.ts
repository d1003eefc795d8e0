import { describe, expect, it } from 'vitest';
import { fromHex } from '../../../shared/hex.js';
import { isWorkbenchError } from '../../../shared/errors.js';
import { FaultInjector } from '../../../src-main/sim/card/faults.js';
import { VirtualCardTransport } from '../../../src-main/sim/card/in-process-transport.js';
import { makeCard } from '../../helpers/sim-card.js';

const SELECT_ISD_R = '00A4040C10A0000005591010FFFFFFFF8900000100';

async function rejectsWith(p: Promise<unknown>, code: string): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isWorkbenchError(err, code), `expected ${code}, got ${String(err)}`).toBe(true);
}

describe('fault injection', () => {
  it('answers a chosen status word at APDU N without processing it', async () => {
    const faults = new FaultInjector({ statusWords: [{ apdu: 2, sw: 0x6f00 }] });
    const { send } = makeCard({ protocol: 'T=1', faults });
    expect(await send('0070000001')).toBe('019000');
    expect(await send('0070000001')).toBe('6F00');
    expect(await send('0070000001')).toBe('029000'); // the faulted open never happened
    expect(faults.apduCount).toBe(3);
  });

  it('pulls the card at APDU N: CARD_REMOVED until reinserted and powered', async () => {
    const faults = new FaultInjector({ removeAtApdu: 2 });
    const { card, send } = makeCard({ protocol: 'T=1', faults });
    const presence: boolean[] = [];
    card.onPresenceChange((p) => presence.push(p));
    expect(await send('0070000001')).toBe('019000');
    await rejectsWith(send('0070000001'), 'CARD_REMOVED');
    await rejectsWith(send('0070000001'), 'CARD_REMOVED');
    expect(() => card.powerOn()).toThrow(/removed/);
    card.insert();
    await rejectsWith(send('0070000001'), 'CARD_UNPOWERED');
    card.powerOn();
    expect(await send('0070000001')).toBe('019000'); // fresh session: channel 1 free again
    expect(presence).toEqual([false, true]);
  });

  it('tears a STORE DATA sequence before or after the chosen block', async () => {
    for (const when of ['before', 'after'] as const) {
      const requests: string[] = [];
      const faults = new FaultInjector({ tearStoreData: { sequence: 2, block: 1, when } });
      const { card, send } = makeCard({
        protocol: 'T=1',
        faults,
        handler: async (r) => {
          requests.push(Buffer.from(r).toString('hex'));
          return null;
        },
      });
      await send(SELECT_ISD_R);
      expect(await send('80E2910003BF2E00')).toBe('9000'); // sequence 1
      expect(await send('80E2110002BF36')).toBe('9000'); // sequence 2, block 0
      await rejectsWith(send('80E29101020100'), 'CARD_REMOVED'); // block 1: torn
      expect(card.present).toBe(false);
      expect(requests).toEqual(when === 'before' ? ['bf2e00'] : ['bf2e00', 'bf360100']);
    }
  });

  it('delays responses by the configured latency through the injected timer', async () => {
    const waits: number[] = [];
    const { VirtualCard } = await import('../../../src-main/sim/card/virtual-card.js');
    const { StateStore } = await import('../../../src-main/sim/euicc/state-store.js');
    const card = new VirtualCard({ store: StateStore.inMemory(), faults: new FaultInjector({ latencyMs: 40 }), sleep: async (ms) => void waits.push(ms) });
    card.powerOn();
    await card.transmit(fromHex('0070000001'));
    expect(waits).toEqual([40]);
  });

  it('models the link speed of a 9600-baud card when asked', async () => {
    const waits: number[] = [];
    const { VirtualCard } = await import('../../../src-main/sim/card/virtual-card.js');
    const { StateStore } = await import('../../../src-main/sim/euicc/state-store.js');
    const card = new VirtualCard({
      store: StateStore.inMemory(),
      protocol: 'T=0',
      linkSpeed: { enabled: true, clockHz: 3_571_200, fiDi: 'default' },
      sleep: async (ms) => void waits.push(ms),
    });
    card.powerOn();
    await card.transmit(fromHex('0070000001')); // 5 + 3 bytes + 1 procedure byte
    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeCloseTo((9 * 12 * 372) / 3571.2, 6);
  });
});

describe('VirtualCardTransport', () => {
  it('is a raw transport of kind virtual that powers the card on and surfaces removal', async () => {
    const { card } = makeCard({ protocol: 'T=1' });
    card.powerOff();
    const t = new VirtualCardTransport(card, { id: 'bench-1' });
    expect(t.info).toMatchObject({ id: 'virtual:bench-1', kind: 'virtual' });
    expect(Buffer.from(await t.getAtr()).toString('hex')).toBe('3b979680b1fe451fc78031e073fe211fb1');
    expect(Buffer.from(await t.transmit(fromHex('0070000001'))).toString('hex')).toBe('019000');
    card.remove();
    await rejectsWith(t.transmit(fromHex('0070000001')), 'CARD_REMOVED');
    card.insert();
    await t.reset();
    expect(Buffer.from(await t.transmit(fromHex('0070000001'))).toString('hex')).toBe('019000');
    await t.close();
    expect(card.powered).toBe(false);
  });
});
