/**
 * Test links for the AT area: a scripted modem (each command line answered by a function, answers
 * may come in several chunks), a link straight into the VirtualAtModem (no pty), and a card
 * wrapper that records what reaches the card.
 */
import { toHex } from '../../shared/hex.js';
import type { SerialLink } from '../../src-main/links/serial-port.js';
import type { VirtualAtModem } from '../../src-main/sim/at-modem/interpreter.js';
import type { ModemSimCard } from '../../src-main/sim/at-modem/sim-card.js';

/** What a scripted modem sends back: one string, several chunks, or nothing (silence). */
export type ModemAnswer = string | Uint8Array | readonly (string | Uint8Array)[] | undefined;

const bytesOf = (c: string | Uint8Array): Uint8Array => (typeof c === 'string' ? new Uint8Array(Buffer.from(c, 'latin1')) : c);

export class ScriptedAtLink implements SerialLink {
  readonly path = '/dev/scripted-at';
  /** Command lines written by the engine, without CR. */
  readonly written: string[] = [];
  private readonly dataListeners = new Set<(chunk: Uint8Array) => void>();
  private readonly closeListeners = new Set<() => void>();
  private partial = '';
  private closed = false;

  constructor(private readonly respond: (line: string) => ModemAnswer | Promise<ModemAnswer>) {}

  async write(data: string | Uint8Array): Promise<void> {
    this.partial += typeof data === 'string' ? data : Buffer.from(data).toString('latin1');
    let end: number;
    while ((end = this.partial.indexOf('\r')) >= 0) {
      const line = this.partial.slice(0, end);
      this.partial = this.partial.slice(end + 1);
      this.written.push(line);
      const answer = await this.respond(line);
      if (answer !== undefined) this.inject(answer);
    }
  }

  /** Delivers bytes as if the modem sent them, each chunk in its own later tick. */
  inject(answer: Exclude<ModemAnswer, undefined>): void {
    const chunks = typeof answer === 'string' || answer instanceof Uint8Array ? [answer] : answer;
    let delay = Promise.resolve();
    for (const c of chunks) {
      delay = delay.then(() => new Promise((r) => setImmediate(r))).then(() => {
        if (!this.closed) for (const l of this.dataListeners) l(bytesOf(c));
      });
    }
  }

  onData(listener: (chunk: Uint8Array) => void): () => void {
    this.dataListeners.add(listener);
    return () => this.dataListeners.delete(listener);
  }

  onClose(listener: () => void): () => void {
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const l of this.closeListeners) l();
  }
}

/** V1 framing of an answer: each line as `\r\n<line>\r\n`. */
export function v1(...lines: string[]): string {
  return lines.map((l) => `\r\n${l}\r\n`).join('');
}

/** An in-process link to a virtual modem: the same bytes a pty would carry. */
export function virtualModemLink(modem: VirtualAtModem): ScriptedAtLink {
  return new ScriptedAtLink((line) => modem.handleLine(line));
}

export interface RecordingCard extends ModemSimCard {
  /** Command APDUs that reached the card, upper-case hex. */
  readonly commands: string[];
  /** The same with the card's answers. */
  readonly exchanges: { command: string; response: string }[];
}

export function recordingCard(card: ModemSimCard): RecordingCard {
  const commands: string[] = [];
  const exchanges: { command: string; response: string }[] = [];
  return {
    commands,
    exchanges,
    powerOn: () => card.powerOn(),
    transmit: async (apdu) => {
      commands.push(toHex(apdu).toUpperCase());
      const response = await card.transmit(apdu);
      exchanges.push({ command: toHex(apdu).toUpperCase(), response: toHex(response).toUpperCase() });
      return response;
    },
  };
}
