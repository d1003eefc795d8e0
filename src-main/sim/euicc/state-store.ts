/**
 * Persistence of a virtual eUICC's state: one JSON file per card, replaced atomically (write a temp
 * file in the same directory, fsync it, rename it over the old one, fsync the directory), so a crash
 * at any instant leaves either the old or the new state on disk, never a mix.
 */
import { mkdir, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { WorkbenchError } from '../../../shared/errors.js';
import { removeStaleTemps, writeFileAtomic } from '../../links/durable-file.js';
import { createBlankState, validateState, type EuiccState } from './state.js';

/** What the card platform and the ISD-R need: the current state and a way to change it. */
export interface EuiccStateHolder {
  /** Current committed state. Treat as read-only: change it only through transaction(). */
  readonly state: EuiccState;
  /**
   * Runs `mutator` on a copy of the state; when it returns, the copy is persisted and becomes the
   * current state. If the mutator throws or the write fails, nothing changes. Transactions run one
   * at a time, in call order.
   */
  transaction<T>(mutator: (draft: EuiccState) => T | Promise<T>): Promise<T>;
}

type Persist = (state: EuiccState) => Promise<void>;

export class StateStore implements EuiccStateHolder {
  #state: EuiccState;
  readonly #persist: Persist;
  #queue: Promise<unknown> = Promise.resolve();
  /** The file backing this store, or undefined for an in-memory store. */
  readonly file: string | undefined;

  private constructor(state: EuiccState, persist: Persist, file: string | undefined) {
    this.#state = state;
    this.#persist = persist;
    this.file = file;
  }

  /**
   * Opens the state file, creating it from `initial()` (default: a blank eUICC) when it does not
   * exist. Leftover temp files of an interrupted write are removed.
   */
  static async open(file: string, options: { initial?: () => EuiccState } = {}): Promise<StateStore> {
    await mkdir(path.dirname(file), { recursive: true });
    await removeStaleTemps(file);
    const persist: Persist = (s) => writeFileAtomic(file, `${JSON.stringify(s, null, 2)}\n`, { mode: 0o600 });
    let text: string | undefined;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    if (text === undefined) {
      const initial = (options.initial ?? createBlankState)();
      validateState(initial, file);
      await persist(initial);
      return new StateStore(initial, persist, file);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new WorkbenchError('SIM_STATE_INVALID', `The eUICC state in ${file} is not valid JSON.`, 'Restore the file from a backup or delete it to start with a blank card.', {
        cause: err,
        details: { file },
      });
    }
    return new StateStore(validateState(parsed, file), persist, file);
  }

  /** A store that keeps the state in memory only (demos, unit tests). */
  static inMemory(initial: EuiccState = createBlankState()): StateStore {
    return new StateStore(structuredClone(initial), async () => undefined, undefined);
  }

  get state(): EuiccState {
    return this.#state;
  }

  transaction<T>(mutator: (draft: EuiccState) => T | Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      const draft = structuredClone(this.#state);
      const result = await mutator(draft);
      validateState(draft, this.file ?? 'memory');
      await this.#persist(draft);
      this.#state = draft;
      return result;
    };
    const next = this.#queue.then(run, run);
    this.#queue = next.catch(() => undefined);
    return next;
  }
}

/** Several independent cards: `<dir>/<name>.json` each. */
export class StateDirectory {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  fileOf(name: string): string {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name)) {
      throw new WorkbenchError('SIM_STATE_NAME_INVALID', `'${name}' is not a valid card name.`, 'Use letters, digits, dot, dash and underscore (up to 64).');
    }
    return path.join(this.dir, `${name}.json`);
  }

  open(name: string, options: { initial?: () => EuiccState } = {}): Promise<StateStore> {
    return StateStore.open(this.fileOf(name), options);
  }

  /** Names of the cards stored in the directory. */
  async list(): Promise<string[]> {
    try {
      return (await readdir(this.dir)).filter((n) => n.endsWith('.json') && !n.startsWith('.')).map((n) => n.slice(0, -5)).sort();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
  }
}
