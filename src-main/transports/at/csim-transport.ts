/**
 * Raw card access through AT+CSIM: every APDU, MANAGE CHANNEL included, goes to the card as is,
 * so the card layer manages logical channels (the only way on a DW5821e, which lacks +CCHO).
 */
import type { RawCardTransport, TransportInfo } from '../../card/transport.js';
import { throwIfAborted } from '../../../shared/errors.js';
import type { AtEngine } from './engine.js';
import { valueAfterPrefix } from './engine.js';
import { apduArgument, parseApduAnswer } from './apdu-text.js';
import type { AtQuirkProfile } from './quirks.js';
import type { SimCommandTimeouts } from './sim-command.js';
import { DEFAULT_SIM_TIMEOUTS, runSimCommand, timeoutForApdu } from './sim-command.js';
import { explainSimAccessFailure } from './sim-status.js';

/** Largest command data that fits `AT+CSIM=<len>,"<hex>"` in `maxCommandLine` (header + Le = 6 bytes). */
export function csimMaxCommandData(maxCommandLine: number): number {
  return Math.min(255, Math.floor((maxCommandLine - 'AT+CSIM=524,""'.length) / 2) - 6);
}

export interface AtTransportOptions {
  readonly profile: AtQuirkProfile;
  readonly timeouts?: SimCommandTimeouts;
  /** Close the engine (and its port) when the transport is closed. Default true. */
  readonly ownsEngine?: boolean;
}

export class AtCsimTransport implements RawCardTransport {
  readonly shape = 'raw';
  readonly info: TransportInfo;
  private readonly timeouts: SimCommandTimeouts;

  constructor(
    private readonly engine: AtEngine,
    private readonly options: AtTransportOptions,
  ) {
    this.timeouts = options.timeouts ?? DEFAULT_SIM_TIMEOUTS;
    this.info = {
      id: `at-csim:${engine.path}`,
      label: `${options.profile.label} on ${engine.path} (AT+CSIM)`,
      kind: 'at',
      maxCommandData: csimMaxCommandData(Math.min(engine.maxCommandLine, options.profile.maxCommandLine)),
    };
  }

  /** AT has no standard command for the ATR; an empty array says "not available". */
  getAtr(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(0));
  }

  async transmit(command: Uint8Array, signal?: AbortSignal): Promise<Uint8Array> {
    throwIfAborted(signal, 'AT+CSIM');
    const line = `AT+CSIM=${apduArgument(command)}`;
    try {
      const result = await runSimCommand(this.engine, this.options.profile, line, timeoutForApdu(command, this.timeouts), signal);
      return parseApduAnswer(valueAfterPrefix(result.lines, '+CSIM'), 'AT+CSIM');
    } catch (err) {
      throw await explainSimAccessFailure(this.engine, err, signal);
    }
  }

  async close(): Promise<void> {
    if (this.options.ownsEngine !== false) await this.engine.close();
  }
}
