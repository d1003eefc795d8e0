import { describe, expect, it } from 'vitest';
import { CardLock } from '../../../src-main/services/card-lock.js';
import { isWorkbenchError } from '../../../shared/errors.js';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('CardLock', () => {
  it('runs jobs on one card strictly one after the other, in arrival order', async () => {
    const lock = new CardLock();
    const log: string[] = [];
    const gate = deferred();
    const a = lock.run('card1', async () => {
      log.push('a-start');
      await gate.promise;
      log.push('a-end');
    });
    const b = lock.run('card1', async () => {
      log.push('b');
    });
    await new Promise((r) => setTimeout(r, 5));
    expect(log).toEqual(['a-start']);
    expect(lock.isBusy('card1')).toBe(true);
    gate.resolve();
    await Promise.all([a, b]);
    expect(log).toEqual(['a-start', 'a-end', 'b']);
    expect(lock.isBusy('card1')).toBe(false);
  });

  it('lets different cards work at the same time', async () => {
    const lock = new CardLock();
    const gate = deferred();
    const log: string[] = [];
    const a = lock.run('card1', async () => {
      await gate.promise;
      log.push('a');
    });
    await lock.run('card2', async () => {
      log.push('b');
    });
    expect(log).toEqual(['b']);
    gate.resolve();
    await a;
    expect(log).toEqual(['b', 'a']);
  });

  it('continues with the next job after a failing one', async () => {
    const lock = new CardLock();
    await expect(lock.run('c', async () => Promise.reject(new Error('card removed')))).rejects.toThrow('card removed');
    await expect(lock.run('c', async () => 42)).resolves.toBe(42);
  });

  it('abandons a queued job on abort without disturbing the running one', async () => {
    const lock = new CardLock();
    const gate = deferred();
    const ran: string[] = [];
    const first = lock.run('c', async () => {
      await gate.promise;
      ran.push('first');
    });
    const controller = new AbortController();
    const second = lock.run('c', async () => ran.push('second'), controller.signal);
    const third = lock.run('c', async () => ran.push('third'));
    controller.abort();
    const err = await second.catch((e: unknown) => e);
    expect(isWorkbenchError(err, 'ABORTED')).toBe(true);
    expect(ran).toEqual([]);
    gate.resolve();
    await Promise.all([first, third]);
    expect(ran).toEqual(['first', 'third']);
  });
});
