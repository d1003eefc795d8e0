/**
 * The download progress bar on stderr. On a terminal one line is redrawn in place (step and BPP
 * percentage); in a log or pipe each step gets one line, so the record stays readable.
 */
import type { Writable } from 'node:stream';
import type { DownloadStep } from '../../shared/api.js';
import { writeLine } from './io.js';

/** The steps of a download in order (SGP22-DIGEST §3.2), to show "step 3/8". */
export const DOWNLOAD_STEP_ORDER: readonly DownloadStep[] = [
  'authenticate-server',
  'authenticate-client',
  'consent',
  'prepare-download',
  'get-bound-profile-package',
  'load-bound-profile-package',
  'send-notifications',
  'done',
];

const BAR_WIDTH = 24;
const CLEAR_LINE = '\r\u001b[2K';

export class ProgressView {
  readonly #out: Writable;
  readonly #tty: boolean;
  #lastStep: string | undefined;
  #drawn = false;

  constructor(out: Writable, tty: boolean) {
    this.#out = out;
    this.#tty = tty;
  }

  update(step: string, percent: number | undefined, message: string): void {
    const index = DOWNLOAD_STEP_ORDER.indexOf(step as DownloadStep);
    const position = index < 0 ? '' : `${index + 1}/${DOWNLOAD_STEP_ORDER.length} `;
    const pct = percent === undefined ? '' : `${String(Math.round(percent)).padStart(3)}% `;
    if (this.#tty) {
      const filled = Math.round(((percent ?? 0) / 100) * BAR_WIDTH);
      const bar = `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}]`;
      this.#out.write(`${CLEAR_LINE}${bar} ${pct}${position}${step}: ${message}`);
      this.#drawn = true;
    } else if (step !== this.#lastStep) {
      writeLine(this.#out, `${pct}${position}${step}: ${message}`);
    }
    this.#lastStep = step;
  }

  /** Ends the redrawn line so a prompt or message starts on a line of its own. */
  pause(): void {
    if (this.#drawn) this.#out.write('\n');
    this.#drawn = false;
  }
}
