/**
 * Logical channels and the CLA byte (ISO 7816-4 §5.4.1, ETSI TS 102 221 §10.1.1; digest §1.3):
 * channels 0–3 use the first interindustry form `0x00|ch` (proprietary `0x80|ch`), channels 4–19 the
 * further interindustry form `0x40|(ch−4)` (proprietary `0xC0|(ch−4)`). Also MANAGE CHANNEL.
 */
import { WorkbenchError } from '../../shared/errors.js';
import type { CommandApdu, ResponseApdu } from './apdu.js';

export type ClaKind = 'iso' | 'proprietary';

export const MAX_LOGICAL_CHANNEL = 19;

/** GSM 11.11 class byte. A GSM SIM only knows this class and has no logical channels. */
export const GSM_CLA = 0xa0;

/** Command chaining bit, the same in both CLA forms. */
const CHAINING_BIT = 0x10;

function checkChannel(channel: number): void {
  if (!Number.isInteger(channel) || channel < 0 || channel > MAX_LOGICAL_CHANNEL) {
    throw new WorkbenchError('CHANNEL_INVALID', `Logical channel ${channel} does not exist (0–19).`, 'Use the channel number the card or modem assigned.', {
      details: { channel },
    });
  }
}

/** CLA byte for `channel`, without secure messaging or chaining. */
export function claForChannel(channel: number, kind: ClaKind = 'iso'): number {
  checkChannel(channel);
  const proprietary = kind === 'proprietary' ? 0x80 : 0x00;
  return channel < 4 ? proprietary | channel : proprietary | 0x40 | (channel - 4);
}

/** Logical channel encoded in a CLA byte (both forms; GSM class A0 is the basic channel). */
export function channelOfCla(cla: number): number {
  if (cla === GSM_CLA) return 0;
  return (cla & 0x40) === 0 ? cla & 0x03 : 4 + (cla & 0x0f);
}

/** Whether a CLA is a proprietary class (b8 set), as GlobalPlatform commands like STORE DATA use. */
export function claKind(cla: number): ClaKind {
  return (cla & 0x80) !== 0 ? 'proprietary' : 'iso';
}

/**
 * Moves a CLA onto `channel`, keeping its kind (ISO/proprietary) and the chaining bit. Secure
 * messaging bits are not carried over: the card layer sends no secure messaging.
 */
export function claOnChannel(cla: number, channel: number): number {
  if (cla === GSM_CLA && channel === 0) return cla;
  return claForChannel(channel, claKind(cla)) | (cla & CHAINING_BIT);
}

/** MANAGE CHANNEL open (`00 70 00 00 01`): the card picks the channel and returns its number. */
export function manageChannelOpen(): CommandApdu {
  return { cla: 0x00, ins: 0x70, p1: 0x00, p2: 0x00, le: 1 };
}

/**
 * MANAGE CHANNEL close of `channel`, sent on the basic channel: `00 70 80 ch 00`. The trailing 00
 * follows the digest (§1.2) and lpac; on T=0 it is the P3 byte a case-1 command carries anyway.
 */
export function manageChannelClose(channel: number): CommandApdu {
  checkChannel(channel);
  if (channel === 0) {
    throw new WorkbenchError('CHANNEL_INVALID', 'The basic channel (0) cannot be closed.', 'Close only channels opened with MANAGE CHANNEL.', { details: { channel } });
  }
  return { cla: 0x00, ins: 0x70, p1: 0x80, p2: channel, le: 256 };
}

/** Channel number from a successful MANAGE CHANNEL open response. */
export function openedChannelNumber(response: ResponseApdu): number {
  const channel = response.data[0];
  if (response.data.length !== 1 || channel === undefined || channel < 1 || channel > MAX_LOGICAL_CHANNEL) {
    throw new WorkbenchError('CARD_PROTOCOL_ERROR', 'The card answered MANAGE CHANNEL open without a valid channel number.', 'The card or reader mishandles logical channels; try a transport with modem-managed channels.', {
      details: { data: Buffer.from(response.data).toString('hex') },
    });
  }
  return channel;
}

/** GET RESPONSE for a command sent with `cla`: ISO class on the same channel (GSM class stays A0). */
export function getResponseCommand(cla: number, le: number): CommandApdu {
  const responseCla = cla === GSM_CLA ? GSM_CLA : claForChannel(channelOfCla(cla), 'iso');
  return { cla: responseCla, ins: 0xc0, p1: 0x00, p2: 0x00, le };
}
