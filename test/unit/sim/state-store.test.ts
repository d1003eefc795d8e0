import { spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isWorkbenchError } from '../../../shared/errors.js';
import { createBlankState, createProfile, enabledProfile, validateState } from '../../../src-main/sim/euicc/state.js';
import { StateDirectory, StateStore } from '../../../src-main/sim/euicc/state-store.js';
import { repoRoot } from '../../helpers/sim-card.js';
import { writerState } from '../../helpers/sim-state.js';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const d = await mkdtemp(path.join(tmpdir(), 'ewb-state-'));
  dirs.push(d);
  return d;
}
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

describe('StateStore', () => {
  it('creates a blank card file, persists transactions and reloads them', async () => {
    const file = path.join(await tempDir(), 'card.json');
    const store = await StateStore.open(file);
    expect(store.state.profiles).toEqual([]);
    const seq = await store.transaction((s) => {
      s.profiles.push(createProfile({ iccid: '8944476500001234567', imsi: '001010123456789' }));
      return s.notifications.nextSeqNumber++;
    });
    expect(seq).toBe(1);
    const reopened = await StateStore.open(file);
    expect(enabledProfile(reopened.state)?.iccid).toBe('8944476500001234567');
    expect(reopened.state.notifications.nextSeqNumber).toBe(2);
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual(reopened.state);
  });

  it('leaves state and file unchanged when a mutator throws or makes the state invalid', async () => {
    const file = path.join(await tempDir(), 'card.json');
    const store = await StateStore.open(file);
    const before = await readFile(file, 'utf8');
    await expect(
      store.transaction((s) => {
        s.defaultDpAddress = 'changed';
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    const invalid = await store.transaction((s) => {
      s.eid = 'nope';
    }).catch((e: unknown) => e);
    expect(isWorkbenchError(invalid, 'SIM_STATE_INVALID')).toBe(true);
    expect(store.state.defaultDpAddress).toBe('');
    expect(await readFile(file, 'utf8')).toBe(before);
  });

  it('runs transactions one at a time in call order', async () => {
    const store = StateStore.inMemory();
    const order: number[] = [];
    await Promise.all(
      [1, 2, 3].map((i) =>
        store.transaction(async (s) => {
          await new Promise((r) => setTimeout(r, 5 * (4 - i)));
          order.push(i);
          s.notifications.nextSeqNumber = i;
        }),
      ),
    );
    expect(order).toEqual([1, 2, 3]);
    expect(store.state.notifications.nextSeqNumber).toBe(3);
  });

  it('rejects corrupt files with SIM_STATE_INVALID and removes stale temp files', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'card.json');
    await writeFile(file, '{"version":1,');
    await expect(StateStore.open(file)).rejects.toMatchObject({ code: 'SIM_STATE_INVALID' });
    await writeFile(file, JSON.stringify({ ...createBlankState(), eid: 'xyz' }));
    await expect(StateStore.open(file)).rejects.toMatchObject({ code: 'SIM_STATE_INVALID' });
    await writeFile(file, JSON.stringify(createBlankState()));
    await writeFile(path.join(dir, '.card.json.123.abcd.tmp'), '{"half":');
    await StateStore.open(file);
    expect(await readdir(dir)).toEqual(['card.json']);
  });

  it('keeps several cards apart in one directory', async () => {
    const cards = new StateDirectory(await tempDir());
    const a = await cards.open('bench-a', { initial: () => createBlankState({ eid: '89049032000000000000000000000001' }) });
    const b = await cards.open('bench-b');
    await a.transaction((s) => {
      s.defaultDpAddress = 'a.example';
    });
    expect(b.state.defaultDpAddress).toBe('');
    expect(await cards.list()).toEqual(['bench-a', 'bench-b']);
    expect((await cards.open('bench-a')).state.defaultDpAddress).toBe('a.example');
    expect(() => cards.fileOf('../escape')).toThrow(/not a valid card name/);
  });

  it('survives kill -9 mid-write: the file is always one committed state', { timeout: 60_000 }, async () => {
    const dir = await tempDir();
    for (let round = 0; round < 3; round++) {
      const file = path.join(dir, `card-${round}.json`);
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'test/helpers/sim-state-writer.ts'), file], {
        cwd: repoRoot,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      let lastCommitted = -1;
      const killAt = 15 + round * 17;
      await new Promise<void>((resolve, reject) => {
        child.on('exit', () => (lastCommitted >= killAt ? resolve() : reject(new Error(`writer exited early: ${stderr}`))));
        child.stdout.on('data', (c: Buffer) => {
          const m = [...c.toString().matchAll(/committed (\d+)/g)].pop();
          if (m?.[1] !== undefined) lastCommitted = Number(m[1]);
          if (lastCommitted >= killAt && child.exitCode === null && !child.killed) child.kill('SIGKILL');
        });
      });
      const parsed = validateState(JSON.parse(await readFile(file, 'utf8')), file);
      const n = parsed.notifications.nextSeqNumber;
      // The writer may have renamed transaction n+1 (or more) into place before its print was read.
      expect(n).toBeGreaterThanOrEqual(lastCommitted);
      expect(parsed).toEqual(writerState(n));
      expect((await StateStore.open(file)).state).toEqual(writerState(n));
    }
  });
});
