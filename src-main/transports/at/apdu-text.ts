/**
 * APDUs as AT command arguments: `<length>,"<HEX>"` where length counts hex characters
 * (27.007 +CSIM/+CGLA), upper-case hex out, quoted or unquoted and any case accepted back.
 */
import { WorkbenchError } from '../../../shared/errors.js';
import { fromHex, toHex } from '../../../shared/hex.js';

/** `10,"00A4040000"` for a 5-byte APDU. */
export function apduArgument(apdu: Uint8Array): string {
  return `${apdu.length * 2},"${toHex(apdu).toUpperCase()}"`;
}

/**
 * Parses the value of `+CSIM: <length>,<response>` / `+CGLA: <length>,<response>`. The response
 * must hold at least SW1 SW2 and its length must match: a truncated answer is an error, not data.
 */
export function parseApduAnswer(value: string | undefined, command: string): Uint8Array {
  const m = value === undefined ? null : /^(\d+)\s*,\s*"?([0-9A-Fa-f]*)"?$/.exec(value.trim());
  const declared = Number(m?.[1]);
  const hex = m?.[2] ?? '';
  if (m === null || declared !== hex.length || hex.length < 4 || hex.length % 2 !== 0) {
    throw new WorkbenchError('AT_RESPONSE_MALFORMED', `The modem's answer to ${command} is not a complete APDU response: ${value === undefined ? 'no answer line' : `'${value.slice(0, 80)}'`}.`, 'The line may have been cut or corrupted; the port is checked before the next command. Retry the operation.', {
      details: { command, value, declaredLength: m === null ? undefined : declared, hexLength: hex.length },
    });
  }
  return fromHex(hex);
}

/**
 * CLA with the logical-channel bits cleared, for modems that put the channel in themselves.
 * First interindustry CLA (b7 = 0) keeps the channel in b2..b1; further interindustry (b7 = 1)
 * encodes channels 4–19 in b4..b1 and cannot express channel 0, so it becomes first interindustry
 * keeping the proprietary bit (b8) and command chaining (b5).
 */
export function claWithoutChannel(cla: number): number {
  return (cla & 0x40) === 0 ? cla & 0xfc : cla & 0x90;
}

/** Logical channel number encoded in CLA (ISO/IEC 7816-4 §5.4.1). */
export function channelOfCla(cla: number): number {
  return (cla & 0x40) === 0 ? cla & 0x03 : 4 + (cla & 0x0f);
}

/** CLA carrying `channel` (0–19), keeping the proprietary and chaining bits. */
export function claForChannel(cla: number, channel: number): number {
  return channel <= 3 ? claWithoutChannel(cla) | channel : (cla & 0x90) | 0x40 | (channel - 4);
}
