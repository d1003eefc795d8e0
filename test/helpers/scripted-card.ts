/**
 * Scripted cards for card-layer tests: transports that expect an exact sequence of commands and play
 * back canned responses. Any deviation is recorded with a readable diff and thrown from the call;
 * `assertDone()` re-raises the first deviation and checks the whole script was consumed, so a test
 * fails even when the code under test swallowed the error.
 */
import { fromHex, toSpacedHex } from '../../shared/hex.js';
import type { ChannelCardTransport, OpenedChannel, RawCardTransport, TransportInfo } from '../../src-main/card/transport.js';

/** A step's outcome: a response in hex, or an error the transport throws. */
type Outcome = { reply: string; fail?: undefined } | { fail: unknown; reply?: undefined };

/** Raw card step: expected command (hex, any spacing) and what the card does. */
export type RawStep = { send: string; onSend?: () => void } & Outcome;

/** Channel card steps: open by AID, APDU on a channel, close. */
export type ChannelStep =
  | { open: string; channel: number; selectResponse?: string; fail?: undefined }
  | { open: string; fail: unknown }
  | ({ on: number; send: string; onSend?: () => void } & Outcome)
  | { close: number };

export interface ScriptedCardOptions {
  readonly id?: string;
  readonly maxCommandData?: number;
  readonly atr?: string;
}

function normalise(hex: string): string {
  return toSpacedHex(fromHex(hex));
}

/** Index of the first differing byte of two spaced-hex strings (or of their prefixes). */
function firstDifference(expected: string, actual: string): number {
  const e = expected.split(' ');
  const a = actual.split(' ');
  let i = 0;
  while (i < e.length && i < a.length && e[i] === a[i]) i++;
  return i;
}

export class ScriptMismatch extends Error {
  override readonly name = 'ScriptMismatch';
}

/** Walks a script of expected events; shared by both card shapes. */
class ScriptPlayer<Step> {
  private index = 0;
  private failure: ScriptMismatch | undefined;
  /** Every event seen, in order, for assertions and diagnostics. */
  readonly seen: string[] = [];

  constructor(
    private readonly label: string,
    private readonly steps: readonly Step[],
    private readonly describe: (step: Step) => string,
  ) {}

  /** Matches `actual` against the next step; returns that step or throws a ScriptMismatch. */
  take(actual: string): Step {
    this.seen.push(actual);
    if (this.failure) throw this.failure;
    const step = this.steps[this.index];
    if (step === undefined) return this.fail(`${this.label}: unexpected event after the end of the script (${this.steps.length} steps)\n  actual:   ${actual}`);
    const expected = this.describe(step);
    if (expected !== actual) {
      const at = firstDifference(expected, actual);
      const pointer = ' '.repeat(at * 3) + '^^';
      return this.fail(
        `${this.label}: step ${this.index + 1} of ${this.steps.length} does not match (first difference at token ${at})\n` +
          `  expected: ${expected}\n  actual:   ${actual}\n            ${pointer}`,
      );
    }
    this.index++;
    return step;
  }

  private fail(message: string): never {
    this.failure = new ScriptMismatch(message);
    throw this.failure;
  }

  assertDone(): void {
    if (this.failure) throw this.failure;
    if (this.index !== this.steps.length) {
      const remaining = this.steps.slice(this.index).map((s) => `  ${this.describe(s)}`);
      throw new ScriptMismatch(`${this.label}: script not fully consumed, ${remaining.length} step(s) left:\n${remaining.join('\n')}`);
    }
  }
}

function outcome(step: Outcome): Uint8Array {
  if (step.reply !== undefined) return fromHex(step.reply);
  throw step.fail;
}

/** A RawCardTransport playing a script of command hex → response hex. */
export class ScriptedRawCard implements RawCardTransport {
  readonly shape = 'raw' as const;
  readonly info: TransportInfo;
  closed = false;
  private readonly player: ScriptPlayer<RawStep>;
  private readonly atr: Uint8Array;

  constructor(steps: readonly RawStep[], options: ScriptedCardOptions = {}) {
    this.info = { id: options.id ?? 'scripted:raw', label: 'Scripted raw card', kind: 'virtual', ...(options.maxCommandData === undefined ? {} : { maxCommandData: options.maxCommandData }) };
    this.atr = fromHex(options.atr ?? '3B 9F 96 80 1F C7 80 31 E0 73 FE 21 1B 63 3A 20 4E 83 00 90 00 31');
    this.player = new ScriptPlayer('Scripted raw card', steps, (s) => normalise(s.send));
  }

  /** Commands received so far, as spaced hex. */
  get sent(): readonly string[] {
    return this.player.seen;
  }

  async getAtr(): Promise<Uint8Array> {
    return this.atr;
  }

  async transmit(command: Uint8Array): Promise<Uint8Array> {
    const step = this.player.take(toSpacedHex(command));
    step.onSend?.();
    return outcome(step);
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  assertDone(): void {
    this.player.assertDone();
  }
}

function describeChannelStep(step: ChannelStep): string {
  if ('open' in step) return `open ${normalise(step.open)}`;
  if ('close' in step) return `close ${step.close}`;
  return `ch${step.on} ${normalise(step.send)}`;
}

/** A ChannelCardTransport (modem-managed channels) playing a script. */
export class ScriptedChannelCard implements ChannelCardTransport {
  readonly shape = 'channel' as const;
  readonly info: TransportInfo;
  closed = false;
  private readonly player: ScriptPlayer<ChannelStep>;

  constructor(steps: readonly ChannelStep[], options: ScriptedCardOptions = {}) {
    this.info = { id: options.id ?? 'scripted:channel', label: 'Scripted channel card', kind: 'virtual', ...(options.maxCommandData === undefined ? {} : { maxCommandData: options.maxCommandData }) };
    this.player = new ScriptPlayer('Scripted channel card', steps, describeChannelStep);
  }

  get events(): readonly string[] {
    return this.player.seen;
  }

  async openLogicalChannel(aid: Uint8Array): Promise<OpenedChannel> {
    const step = this.player.take(`open ${toSpacedHex(aid)}`);
    if (!('open' in step)) throw new Error('unreachable: describe() matched a non-open step');
    if ('channel' in step) return { channel: step.channel, ...(step.selectResponse === undefined ? {} : { selectResponse: fromHex(step.selectResponse) }) };
    throw step.fail;
  }

  async transmit(channel: number, command: Uint8Array): Promise<Uint8Array> {
    const step = this.player.take(`ch${channel} ${toSpacedHex(command)}`);
    if (!('on' in step)) throw new Error('unreachable: describe() matched a non-APDU step');
    step.onSend?.();
    return outcome(step);
  }

  async closeLogicalChannel(channel: number): Promise<void> {
    this.player.take(`close ${channel}`);
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  assertDone(): void {
    this.player.assertDone();
  }
}
