/**
 * The `pcsclite` native binding, loaded lazily: it is an optional dependency, so a machine without
 * it (or without libpcsclite, or with a binary built for another Node/Electron) must still start
 * the app and be told why PC/SC is unavailable. The shapes below are the part of its API we use,
 * declared here because the package's own types are not available when it is not installed.
 */
import { createRequire } from 'node:module';
import { WorkbenchError } from '../../shared/errors.js';

export interface PcscLiteStatus {
  /** SCARD_STATE_* flags; the high 16 bits count card insertions/removals (pcsc-lite and WinSCard). */
  readonly state: number;
  readonly atr?: Uint8Array;
}

type Callback<T = void> = (err: Error | null | undefined, value?: T) => void;

export interface PcscLiteReader {
  readonly name: string;
  /** The binding's own flag: true between a successful connect and disconnect. */
  connected: boolean;
  on(event: 'status', listener: (status: PcscLiteStatus) => void): unknown;
  on(event: 'end', listener: () => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  connect(options: { share_mode: number; protocol: number }, callback: Callback<number>): void;
  disconnect(disposition: number, callback: Callback): void;
  transmit(data: Buffer, maxResponseLength: number, protocol: number, callback: Callback<Buffer>): void;
  /** Stops the reader's status watcher. */
  close(): void;
}

export interface PcscLite {
  on(event: 'reader', listener: (reader: PcscLiteReader) => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  /**
   * Called once by the package's factory on the next tick with the callback that receives every
   * reader list; wrapping it is the only way to learn that the first scan is complete when there are
   * no readers (the package emits nothing then).
   */
  start?: (callback: Callback<Buffer>) => void;
  close(): void;
}

export type PcscLiteFactory = () => PcscLite;
export type PcscLibraryLoader = () => Promise<PcscLiteFactory>;

/** pcsc-lite's values (the same on WinSCard for the ones used here). */
export const SCARD = {
  shareExclusive: 0x1,
  shareShared: 0x2,
  protocolT0: 0x1,
  protocolT1: 0x2,
  protocolRaw: 0x4,
  leaveCard: 0,
  resetCard: 1,
  unpowerCard: 2,
  stateUnavailable: 0x8,
  stateEmpty: 0x10,
  statePresent: 0x20,
  stateExclusive: 0x80,
  stateInUse: 0x100,
  stateMute: 0x200,
} as const;

const REBUILD_HINT = 'Install the PC/SC development files and rebuild the binding: `sudo apt-get install libpcsclite-dev pcscd`, then `npm rebuild pcsclite` in the workbench folder.';

/** Why loading the binding failed, by the loader's message. First match wins. */
const LOAD_FAILURES: readonly { readonly pattern: RegExp; readonly what: string; readonly hint: string }[] = [
  { pattern: /Cannot find module 'pcsclite'/, what: 'the optional pcsclite package is not installed (npm skips it when it cannot be built)', hint: `${REBUILD_HINT} If the package is missing entirely, run \`npm install\` again after installing libpcsclite-dev.` },
  { pattern: /libpcsclite\.so/, what: 'the PC/SC client library libpcsclite is not installed', hint: 'Install it: `sudo apt-get install libpcsclite1 pcscd`.' },
  { pattern: /NODE_MODULE_VERSION|was compiled against|invalid ELF|wrong ELF class/, what: 'the pcsclite binding was built for another Node.js/Electron version', hint: REBUILD_HINT },
  { pattern: /Could not locate the bindings file/, what: 'the pcsclite binding was never built', hint: REBUILD_HINT },
];

/** PCSC_UNAVAILABLE for a binding that cannot be loaded. */
export function libraryLoadError(err: unknown): WorkbenchError {
  const message = err instanceof Error ? err.message : String(err);
  const known = LOAD_FAILURES.find((f) => f.pattern.test(message));
  const what = known?.what ?? `the pcsclite binding could not be loaded (${message.split('\n')[0] ?? message})`;
  return new WorkbenchError('PCSC_UNAVAILABLE', `PC/SC is unavailable: ${what}.`, known?.hint ?? REBUILD_HINT, { cause: err, details: { reason: 'library', loaderMessage: message } });
}

/** Loads `pcsclite` from node_modules. Throws PCSC_UNAVAILABLE with the reason. */
export const loadPcscLibrary: PcscLibraryLoader = async () => {
  let loaded: unknown;
  try {
    loaded = createRequire(import.meta.url)('pcsclite');
  } catch (err) {
    throw libraryLoadError(err);
  }
  if (typeof loaded !== 'function') throw libraryLoadError(new Error('the pcsclite module does not export its factory function'));
  return loaded as PcscLiteFactory;
};
