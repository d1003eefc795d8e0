/**
 * Splits the byte stream of a serial link into text lines, the unit AT parsing works on.
 * Modems end lines with CR LF (V1), CR alone (V0 finals, echo) or LF alone; all three end a line
 * and empty lines are dropped. Bytes outside printable ASCII (line noise, a modem rebooting, the
 * wrong baud rate) are removed and the line is flagged, so the caller can re-synchronise. A line that
 * grows past `maxLineLength` without an end is cut and flagged as truncated rather than buffered
 * forever.
 */
export interface SerialLine {
  readonly text: string;
  /** Non-printable bytes were removed from this line. */
  readonly garbage: boolean;
  /** The line was cut at `maxLineLength` without seeing its end. */
  readonly truncated: boolean;
}

const CR = 0x0d;
const LF = 0x0a;
const TAB = 0x09;

export class SerialLineSplitter {
  private chars: string[] = [];
  private garbage = false;

  constructor(
    private readonly onLine: (line: SerialLine) => void,
    private readonly maxLineLength = 64 * 1024,
  ) {}

  push(chunk: Uint8Array): void {
    for (const byte of chunk) {
      if (byte === CR || byte === LF) {
        this.flush(false);
      } else if ((byte >= 0x20 && byte <= 0x7e) || byte === TAB) {
        this.chars.push(String.fromCharCode(byte));
        if (this.chars.length >= this.maxLineLength) this.flush(true);
      } else {
        this.garbage = true;
      }
    }
  }

  /** Text received since the last line end (shown in timeout errors: a truncated answer). */
  pending(): string {
    return this.chars.join('');
  }

  /** Drops the partial line, e.g. before re-synchronising. */
  reset(): void {
    this.chars = [];
    this.garbage = false;
  }

  private flush(truncated: boolean): void {
    const text = this.chars.join('').trim();
    const garbage = this.garbage;
    this.chars = [];
    this.garbage = false;
    if (text.length > 0 || garbage) this.onLine({ text, garbage, truncated });
  }
}
