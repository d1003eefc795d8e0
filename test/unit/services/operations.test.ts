import { describe, expect, it, vi } from 'vitest';
import type { WorkbenchEvent } from '../../../shared/api.js';
import { WorkbenchError } from '../../../shared/errors.js';
import { EventBus } from '../../../src-main/services/event-bus.js';
import { CONFIRMATION_CODE_TIMEOUT_MS, FINISHED_KEPT, OperationRegistry } from '../../../src-main/services/operations.js';

function setup(): { ops: OperationRegistry; events: WorkbenchEvent[] } {
  const bus = new EventBus();
  const events: WorkbenchEvent[] = [];
  bus.subscribe((e) => events.push(e));
  return { ops: new OperationRegistry(bus), events };
}

const preview = { iccid: '8944500101234567890', policyRules: [], smdpAddress: 'smdp.example.com' };

describe('OperationRegistry', () => {
  it('reports progress and a success result as events and through wait()', async () => {
    const { ops, events } = setup();
    const id = ops.start('virtual:default', async (ctx) => {
      ctx.progress('authenticate-server', 'Authenticating the SM-DP+', 10);
      return { iccid: '8944500101234567890' };
    });
    const result = await ops.wait(id);
    expect(result).toEqual({ operationId: id, status: 'succeeded', iccid: '8944500101234567890' });
    expect(events).toEqual([
      { type: 'operation-progress', operationId: id, deviceId: 'virtual:default', step: 'authenticate-server', message: 'Authenticating the SM-DP+', percent: 10 },
      { type: 'operation-finished', result },
    ]);
  });

  it('turns a WorkbenchError into a failed result with code, message and hint', async () => {
    const { ops } = setup();
    const id = ops.start('d', async () => {
      throw new WorkbenchError('ES9_FAILED', 'The SM-DP+ refused the matching ID.', 'Ask the operator for a new QR code.');
    });
    const result = await ops.wait(id);
    expect(result.status).toBe('failed');
    expect(result.error).toEqual({ code: 'ES9_FAILED', message: 'The SM-DP+ refused the matching ID.', hint: 'Ask the operator for a new QR code.', details: {} });
  });

  it('delivers a prompt answer to the waiting operation', async () => {
    const { ops, events } = setup();
    const id = ops.start('d', async (ctx) => {
      const answer = await ctx.prompt({ kind: 'confirmation-code' });
      return { iccid: answer.code };
    });
    await new Promise((r) => setTimeout(r, 0));
    const promptEvent = events.find((e) => e.type === 'operation-prompt');
    if (promptEvent?.type !== 'operation-prompt') throw new Error('no prompt event');
    ops.answer(id, { promptId: promptEvent.prompt.promptId, kind: 'confirmation-code', code: '1234' });
    expect((await ops.wait(id)).iccid).toBe('1234');
  });

  it('rejects an answer of the wrong kind or for an unknown prompt', async () => {
    const { ops, events } = setup();
    const id = ops.start('d', async (ctx) => {
      await ctx.prompt({ kind: 'consent', preview, timeoutMs: 60_000 });
      return {};
    });
    await new Promise((r) => setTimeout(r, 0));
    const promptEvent = events.find((e) => e.type === 'operation-prompt');
    if (promptEvent?.type !== 'operation-prompt') throw new Error('no prompt event');
    expect(() => ops.answer(id, { promptId: promptEvent.prompt.promptId, kind: 'confirmation-code', code: '1' })).toThrow(/not waiting/);
    expect(() => ops.answer(id, { promptId: 'nope', kind: 'consent', accept: true })).toThrow(/not waiting/);
    ops.cancel(id);
    expect((await ops.wait(id)).status).toBe('cancelled');
  });

  it('times out an unanswered consent prompt', async () => {
    const { ops } = setup();
    const id = ops.start('d', async (ctx) => {
      await ctx.prompt({ kind: 'consent', preview, timeoutMs: 10 });
      return {};
    });
    const result = await ops.wait(id);
    expect(result.status).toBe('failed');
    expect(result.error?.code).toBe('PROMPT_TIMEOUT');
  });

  it('times out an unanswered confirmation-code prompt too, so a closed page never keeps the card locked', async () => {
    vi.useFakeTimers();
    try {
      const { ops } = setup();
      const id = ops.start('d', async (ctx) => ({ iccid: (await ctx.prompt({ kind: 'confirmation-code' })).code }));
      await vi.advanceTimersByTimeAsync(CONFIRMATION_CODE_TIMEOUT_MS);
      const result = await ops.wait(id);
      expect(result.status).toBe('failed');
      expect(result.error).toMatchObject({ code: 'PROMPT_TIMEOUT', message: 'Nobody entered the confirmation code in time.', details: { timeoutMs: CONFIRMATION_CODE_TIMEOUT_MS } });
    } finally {
      vi.useRealTimers();
    }
  });

  it('cancels through the AbortSignal the body sees', async () => {
    const { ops } = setup();
    let sawAbort = false;
    const id = ops.start('d', async (ctx) => {
      await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
      sawAbort = true;
      throw new WorkbenchError('ABORTED', 'Download was cancelled.', 'Start it again.');
    });
    ops.cancel(id);
    const result = await ops.wait(id);
    expect(sawAbort).toBe(true);
    expect(result.status).toBe('cancelled');
  });

  it('says clearly when an operation id is unknown', () => {
    const { ops } = setup();
    expect(() => ops.cancel('missing')).toThrow(WorkbenchError);
  });
});

describe('OperationRegistry memory', () => {
  it('keeps the results of the last FINISHED_KEPT operations and forgets older ones', async () => {
    const { ops } = setup();
    const ids: string[] = [];
    for (let i = 0; i < FINISHED_KEPT + 5; i++) {
      const id = ops.start('d', async () => ({ iccid: String(i) }));
      ids.push(id);
      await ops.wait(id);
    }
    expect(() => ops.wait(ids[0] ?? '')).toThrow(/No operation/);
    expect((await ops.wait(ids.at(-1) ?? '')).iccid).toBe(String(FINISHED_KEPT + 4));
    expect((await ops.wait(ids[5] ?? '')).status).toBe('succeeded');
  });
});
