/**
 * Channel card access through AT+CCHO / +CGLA / +CCHC. The modem opens the channel and gives a
 * session id; the card layer gets a channel number to put into CLA. Where the modem returns a
 * handle instead of a number (Sierra MC7455) or patches CLA itself, the transport hands out a local
 * number and clears the channel bits before sending.
 */
import type { ChannelCardTransport, OpenedChannel, TransportInfo } from '../../card/transport.js';
import { WorkbenchError } from '../../../shared/errors.js';
import { toHex } from '../../../shared/hex.js';
import type { AtEngine } from './engine.js';
import { valueAfterPrefix } from './engine.js';
import { apduArgument, claWithoutChannel, parseApduAnswer } from './apdu-text.js';
import type { AtTransportOptions } from './csim-transport.js';
import type { SimCommandTimeouts } from './sim-command.js';
import { DEFAULT_SIM_TIMEOUTS, runSimCommand, timeoutForApdu } from './sim-command.js';
import { explainSimAccessFailure } from './sim-status.js';

/** Longest session id we budget for in a +CGLA line (a 16-digit MC7455 handle). */
const MAX_SESSION_ID = 16;

/** Largest command data that fits `AT+CGLA=<sid>,<len>,"<hex>"` in `maxCommandLine`. */
export function cglaMaxCommandData(maxCommandLine: number): number {
  return Math.min(255, Math.floor((maxCommandLine - 'AT+CGLA=,524,""'.length - MAX_SESSION_ID) / 2) - 6);
}

/** Session id from a +CCHO answer: `+CCHO: 1`, `+CCHO: 000000000385a7cf`, or a bare `1` line (Fibocom). */
export function parseCchoAnswer(lines: readonly string[]): string | undefined {
  const value = valueAfterPrefix(lines, '+CCHO') ?? lines.find((l) => /^"?[0-9A-Fa-f]+"?$/.test(l.trim()));
  const id = value?.trim().replace(/^"|"$/g, '');
  return id !== undefined && /^[0-9A-Fa-f]+$/.test(id) ? id : undefined;
}

export class AtChannelTransport implements ChannelCardTransport {
  readonly shape = 'channel';
  readonly info: TransportInfo;
  private readonly timeouts: SimCommandTimeouts;
  /** channel number handed to the card layer → modem session id. */
  private readonly sessions = new Map<number, string>();

  constructor(
    private readonly engine: AtEngine,
    private readonly options: AtTransportOptions,
  ) {
    this.timeouts = options.timeouts ?? DEFAULT_SIM_TIMEOUTS;
    this.info = {
      id: `at-channel:${engine.path}`,
      label: `${options.profile.label} on ${engine.path} (AT+CCHO/+CGLA)`,
      kind: 'at',
      maxCommandData: cglaMaxCommandData(Math.min(engine.maxCommandLine, options.profile.maxCommandLine)),
    };
  }

  async openLogicalChannel(aid: Uint8Array, signal?: AbortSignal): Promise<OpenedChannel> {
    const command = `AT+CCHO="${toHex(aid).toUpperCase()}"`;
    let lines: readonly string[];
    try {
      lines = (await runSimCommand(this.engine, this.options.profile, command, this.timeouts.apduTimeoutMs, signal)).lines;
    } catch (err) {
      throw await explainSimAccessFailure(this.engine, err, signal);
    }
    const session = parseCchoAnswer(lines);
    if (session === undefined) {
      throw new WorkbenchError('AT_RESPONSE_MALFORMED', `The modem opened a channel but its answer has no session id: ${JSON.stringify(lines)}.`, 'Pick the quirk profile of this modem, or report the answer format.', { details: { command, lines: [...lines] } });
    }
    const channel = this.channelFor(session);
    this.sessions.set(channel, session);
    return { channel };
  }

  async transmit(channel: number, command: Uint8Array, signal?: AbortSignal): Promise<Uint8Array> {
    const session = this.sessionOf(channel);
    const apdu = Uint8Array.from(command);
    if (this.options.profile.cglaChannelBits === 'mt' && apdu.length > 0) apdu[0] = claWithoutChannel(apdu[0] ?? 0);
    const line = `AT+CGLA=${session},${apduArgument(apdu)}`;
    try {
      const result = await runSimCommand(this.engine, this.options.profile, line, timeoutForApdu(apdu, this.timeouts), signal);
      return parseApduAnswer(valueAfterPrefix(result.lines, '+CGLA'), 'AT+CGLA');
    } catch (err) {
      throw await explainSimAccessFailure(this.engine, err, signal);
    }
  }

  async closeLogicalChannel(channel: number, signal?: AbortSignal): Promise<void> {
    const session = this.sessionOf(channel);
    this.sessions.delete(channel);
    if (this.options.profile.commands.cchc) {
      await runSimCommand(this.engine, this.options.profile, `AT+CCHC=${session}`, this.timeouts.apduTimeoutMs, signal);
    } else if (session === String(channel)) {
      // No +CCHC (EM9191): close with MANAGE CHANNEL on the channel itself; a refusal only leaks the
      // channel until the next card reset, so it is not an error.
      await this.engine.send(`AT+CGLA=${session},${apduArgument(Uint8Array.of(0x00, 0x70, 0x80, channel))}`, { signal, timeoutMs: this.timeouts.apduTimeoutMs });
    }
  }

  async close(): Promise<void> {
    for (const channel of [...this.sessions.keys()]) await this.closeLogicalChannel(channel).catch(() => undefined);
    if (this.options.ownsEngine !== false) await this.engine.close();
  }

  /** The session id itself when it is a usable channel number and the host sets CLA; else a free local number. */
  private channelFor(session: string): number {
    const n = /^\d+$/.test(session) ? Number(session) : NaN;
    if (this.options.profile.cglaChannelBits === 'te' && n >= 1 && n <= 19 && !this.sessions.has(n)) return n;
    for (let c = 1; c <= 19; c++) if (!this.sessions.has(c)) return c;
    throw new WorkbenchError('AT_NO_FREE_CHANNEL', 'All 19 logical channels are in use.', 'Close channels you no longer need.');
  }

  private sessionOf(channel: number): string {
    const session = this.sessions.get(channel);
    if (session === undefined) {
      throw new WorkbenchError('AT_CHANNEL_NOT_OPEN', `Logical channel ${channel} is not open on this modem.`, 'Open the channel first.', { details: { channel } });
    }
    return session;
  }
}
