import { describe, expect, it } from 'vitest';
import { isWorkbenchError } from '../../../shared/errors.js';
import type { AtNoise } from '../../../src-main/transports/at/engine.js';
import { AtCommandError, AtEngine } from '../../../src-main/transports/at/engine.js';
import type { AtUrc } from '../../../src-main/transports/at/urcs.js';
import type { ModemAnswer } from '../../helpers/at-links.js';
import { ScriptedAtLink, v1 } from '../../helpers/at-links.js';
import { rejectionOf } from '../../helpers/rejections.js';

const FAST = { defaultTimeoutMs: 300, resyncTimeoutMs: 150, quietMs: 20 };

function engineWith(respond: (line: string) => ModemAnswer): { engine: AtEngine; link: ScriptedAtLink } {
  const link = new ScriptedAtLink(respond);
  return { engine: new AtEngine(link, FAST), link };
}

describe('AtEngine echo handling', () => {
  it('strips the echoed command line when echo is on', async () => {
    const { engine } = engineWith((line) => `${line}\r${v1('EM7455', 'OK')}`);
    const r = await engine.send('AT+CGMM');
    expect(r.lines).toEqual(['EM7455']);
    expect(r.final.outcome).toBe('ok');
  });

  it('works the same with echo off, and keeps an answer line that only looks like text', async () => {
    const { engine } = engineWith(() => v1('Manufacturer: Sierra Wireless, Incorporated', 'Model: EM7455', 'OK'));
    expect((await engine.send('ATI')).lines).toEqual(['Manufacturer: Sierra Wireless, Incorporated', 'Model: EM7455']);
  });

  it('treats a cut-off echo of a long command as echo', async () => {
    const { engine } = engineWith((line) => `${line.slice(0, 20)}\r${v1('+CSIM: 4,"9000"', 'OK')}`);
    const r = await engine.send(`AT+CSIM=10,"00A4040000"`);
    expect(r.lines).toEqual(['+CSIM: 4,"9000"']);
  });
});

describe('AtEngine final result codes', () => {
  const cases: { answer: string; outcome: string; code?: number; meaning?: string }[] = [
    { answer: 'OK', outcome: 'ok' },
    { answer: 'ERROR', outcome: 'error' },
    { answer: '+CME ERROR: 10', outcome: 'cme', code: 10, meaning: 'SIM not inserted' },
    { answer: '+CME ERROR: SIM failure', outcome: 'cme', code: 13, meaning: 'SIM failure' },
    { answer: '+CME ERROR: Parameters error', outcome: 'cme', code: 50, meaning: 'incorrect parameters' },
    { answer: '+CME ERROR: vendor specific thing', outcome: 'cme', meaning: 'vendor specific thing' },
    { answer: '+CMS ERROR: 310', outcome: 'cms', code: 310, meaning: 'SIM not inserted' },
    { answer: 'NO CARRIER', outcome: 'no-carrier' },
    { answer: 'BUSY', outcome: 'busy' },
    { answer: 'NO ANSWER', outcome: 'no-answer' },
    { answer: 'NO DIALTONE', outcome: 'no-dialtone' },
    { answer: 'CONNECT 115200', outcome: 'connect' },
  ];
  for (const c of cases) {
    it(`parses ${c.answer}`, async () => {
      const { engine } = engineWith(() => v1(c.answer));
      const r = await engine.send('AT+CSIM=10,"0070000001"');
      expect(r.final.outcome).toBe(c.outcome);
      expect(r.final.code).toBe(c.code);
      if (c.meaning) expect(r.final.meaning).toBe(c.meaning);
    });
  }

  it('run() throws AtCommandError with the code and meaning on +CME ERROR', async () => {
    const { engine } = engineWith(() => v1('+CME ERROR: 13'));
    const err = await rejectionOf(engine.run('AT+CCHO="A0000005591010FFFFFFFF8900000100"'));
    expect(err).toBeInstanceOf(AtCommandError);
    expect((err as AtCommandError).code).toBe('AT_COMMAND_FAILED');
    expect((err as AtCommandError).details).toMatchObject({ outcome: 'cme', code: 13, meaning: 'SIM failure' });
    expect((err as AtCommandError).message).toContain('+CME ERROR 13 (SIM failure)');
  });

  it('understands numeric V0 finals after ATV0 and goes back to verbose after ATV1', async () => {
    let numeric = false;
    const { engine } = engineWith((line) => {
      if (line === 'ATV0') {
        numeric = true;
        return '0\r';
      }
      if (line === 'ATV1') {
        numeric = false;
        return v1('OK');
      }
      if (line === 'AT+CSIM=4,"00"') return numeric ? '4\r' : v1('ERROR');
      return numeric ? '+CGMM: X\r\n0\r' : v1('1', 'OK');
    });
    expect((await engine.send('ATV0')).final.outcome).toBe('ok');
    const r = await engine.send('AT+CGMM');
    expect(r.lines).toEqual(['+CGMM: X']);
    expect(r.final.outcome).toBe('ok');
    expect((await engine.send('AT+CSIM=4,"00"')).final.outcome).toBe('error');
    await engine.send('ATV1');
    // In V1 a bare "1" is data (Fibocom's +CCHO answer), not CONNECT.
    expect((await engine.send('AT+CCHO="A000000559"')).lines).toEqual(['1']);
  });
});

describe('AtEngine unsolicited result codes', () => {
  it('separates URCs that arrive in the middle of a +CSIM answer', async () => {
    const { engine } = engineWith(() => [v1('+CSIM: 4,"9000"'), v1('+CUSATP: D009810301250082028182'), v1('+CPIN: NOT READY'), v1('OK')]);
    const urcs: AtUrc[] = [];
    engine.onUrc((u) => urcs.push(u));
    const r = await engine.send('AT+CSIM=10,"80F2000C00"');
    expect(r.lines).toEqual(['+CSIM: 4,"9000"']);
    expect(urcs).toEqual([
      { kind: 'usat-proactive-command', line: '+CUSATP: D009810301250082028182' },
      { kind: 'sim-status', line: '+CPIN: NOT READY' },
    ]);
  });

  it('keeps +CPIN: as the answer of AT+CPIN?', async () => {
    const { engine } = engineWith(() => v1('+CPIN: READY', 'OK'));
    const urcs: AtUrc[] = [];
    engine.onUrc((u) => urcs.push(u));
    expect((await engine.send('AT+CPIN?')).lines).toEqual(['+CPIN: READY']);
    expect(urcs).toEqual([]);
  });

  it('emits URCs that arrive while idle, known and unknown', async () => {
    const { engine, link } = engineWith(() => v1('OK'));
    const urcs: AtUrc[] = [];
    engine.onUrc((u) => urcs.push(u));
    link.inject(v1('+CUSATEND', '^SIMST: 1', '+QUSIM: 1', 'RING', 'SOMETHING ELSE'));
    await new Promise((r) => setTimeout(r, 10));
    expect(urcs.map((u) => u.kind)).toEqual(['usat-session-end', 'sim-status', 'sim-status', 'ring', 'unknown']);
  });

  it('handles an answer split at arbitrary byte boundaries', async () => {
    const text = v1('+CSIM: 6,"019000"', 'OK');
    const { engine } = engineWith(() => text.split(''));
    expect((await engine.send('AT+CSIM=10,"0070000001"')).lines).toEqual(['+CSIM: 6,"019000"']);
  });
});

describe('AtEngine robustness', () => {
  it('times out with a clear error when the modem says nothing, then re-synchronises and works', async () => {
    let silent = true;
    const { engine, link } = engineWith((line) => (silent ? undefined : line === 'AT' ? v1('OK') : v1('EG25', 'OK')));
    const err = await rejectionOf(engine.send('AT+CGMM', { timeoutMs: 100 }));
    expect(isWorkbenchError(err, 'AT_TIMEOUT')).toBe(true);
    expect((err as Error).message).toContain('AT+CGMM');
    silent = false;
    const r = await engine.send('AT+CGMM');
    expect(r.lines).toEqual(['EG25']);
    expect(link.written).toEqual(['AT+CGMM', 'AT', 'AT+CGMM']);
  });

  it('reports the partial line of a truncated answer in the timeout details', async () => {
    const { engine } = engineWith(() => '\r\n+CSIM: 8,"9000');
    const err = await rejectionOf(engine.send('AT+CSIM=10,"0070000001"', { timeoutMs: 100 }));
    expect(isWorkbenchError(err, 'AT_TIMEOUT')).toBe(true);
    expect((err as { details: { partialLine: string } }).details.partialLine).toBe('+CSIM: 8,"9000');
  });

  it('discards the late answer of a timed-out command instead of giving it to the next one', async () => {
    let calls = 0;
    const { engine, link } = engineWith((line) => {
      calls++;
      if (calls === 1) return undefined; // first AT+CGMI: no answer in time
      if (line === 'AT') return [v1('Quectel', 'OK'), v1('OK')]; // late answer of the first command, then our AT's OK
      return v1(line === 'AT+CGMM' ? 'EG25' : 'Quectel', 'OK');
    });
    await rejectionOf(engine.send('AT+CGMI', { timeoutMs: 100 }));
    expect((await engine.send('AT+CGMM')).lines).toEqual(['EG25']);
    expect((await engine.send('AT+CGMI')).lines).toEqual(['Quectel']);
    expect(link.written).toEqual(['AT+CGMI', 'AT', 'AT+CGMM', 'AT+CGMI']);
  });

  it('tolerates garbage bytes, reports them, and re-synchronises before the next command', async () => {
    const { engine, link } = engineWith((line) => (line === 'AT+CGMM' ? ['\u0000\u00ff\u0013', v1('EM7455', 'OK')] : v1('OK')));
    const noise: AtNoise[] = [];
    engine.onNoise((n) => noise.push(n));
    expect((await engine.send('AT+CGMM')).lines).toEqual(['EM7455']);
    expect(noise.some((n) => n.kind === 'garbage')).toBe(true);
    await engine.send('AT+CGMI');
    expect(link.written).toEqual(['AT+CGMM', 'AT', 'AT+CGMI']);
  });

  it('gives up with AT_NOT_RESPONDING when even AT gets no answer', async () => {
    const { engine } = engineWith(() => undefined);
    await rejectionOf(engine.send('AT+CGMM', { timeoutMs: 50 }));
    const err = await rejectionOf(engine.send('AT+CGMM'));
    expect(isWorkbenchError(err, 'AT_NOT_RESPONDING')).toBe(true);
  });

  it('rejects a line longer than the modem accepts before sending it', async () => {
    const { engine, link } = engineWith(() => v1('OK'));
    engine.maxCommandLine = 400;
    const err = await rejectionOf(engine.send(`AT+CGLA=1,780,"${'00'.repeat(390)}"`));
    expect(isWorkbenchError(err, 'AT_COMMAND_TOO_LONG')).toBe(true);
    expect(link.written).toEqual([]);
  });

  it('runs one command at a time', async () => {
    const { engine, link } = engineWith((line) => v1(line.slice(3), 'OK'));
    const results = await Promise.all([engine.send('AT+CGMI'), engine.send('AT+CGMM'), engine.send('AT+CGMR')]);
    expect(results.map((r) => r.lines[0])).toEqual(['CGMI', 'CGMM', 'CGMR']);
    expect(link.written).toEqual(['AT+CGMI', 'AT+CGMM', 'AT+CGMR']);
  });

  it('honours an AbortSignal and stays usable', async () => {
    let answer = false;
    const { engine } = engineWith(() => (answer ? v1('OK') : undefined));
    const ac = new AbortController();
    const p = engine.send('AT+CGMM', { signal: ac.signal, timeoutMs: 10_000 });
    setImmediate(() => ac.abort());
    expect(isWorkbenchError(await rejectionOf(p), 'ABORTED')).toBe(true);
    answer = true;
    expect((await engine.send('AT')).final.outcome).toBe('ok');
  });

  it('fails pending and later commands when the port closes', async () => {
    const { engine, link } = engineWith(() => undefined);
    const p = engine.send('AT+CGMM', { timeoutMs: 10_000 });
    setImmediate(() => void link.close());
    expect(isWorkbenchError(await rejectionOf(p), 'SERIAL_PORT_CLOSED')).toBe(true);
  });
});
