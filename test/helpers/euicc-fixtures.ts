/**
 * Byte vectors for euicc-layer tests: the SGP22-DIGEST §2.5 examples and constructed messages
 * (EUICCInfo2, signed notifications, ProfileInstallationResults, a Bound Profile Package).
 */
import { ascii, filler, ICCID_TLV, tlv } from './euicc-scripted.js';

export const SMDP = 'smdp.example.com';
export const TRANSACTION_ID = '01 23 45 67 89 AB CD EF 01 23 45 67 89 AB CD EF';
export const SKI = 'F5 41 72 BD F9 8A 95 D6 5C BE B8 8A 38 A1 C1 1D 80 0A 85 C3';
export const ISDP_AID = 'A0 00 00 05 59 10 10 FF FF FF FF 89 00 00 10 00';
export const SIGNATURE = tlv('5F37', filler(64, 0x40));

/** Digest §2.5: ProfileInfoList response with one enabled profile (75 bytes). */
export const PROFILE_INFO_LIST = `BF 2D 48 A0 46 E3 44 ${ICCID_TLV} 4F 10 ${ISDP_AID} 9F 70 01 01 90 04 57 6F 72 6B 91 0B ${ascii('Example Tel')} 92 0A ${ascii('Example 5G')} 95 01 02`;

/** Digest §2.5: EUICCInfo1 (SVN 2.2.2, GSMA test CI key id). */
export const EUICC_INFO1 = `BF 20 35 82 03 02 02 02 A9 16 04 14 ${SKI} AA 16 04 14 ${SKI}`;

/** EUICCInfo2: 403 492 bytes NVM, usim + milenage, additionalProfile + testProfileSupport, medium eUICC. */
export const EUICC_INFO2 = tlv(
  'BF22',
  '81 03 02 03 00',
  '82 03 02 02 02',
  '83 03 04 01 00',
  '84 0F 81 01 00 82 04 00 06 28 24 83 04 00 00 19 22',
  '85 02 03 48', // bits 1 (usimSupport) and 4 (akaMilenage)
  '88 02 04 90', // additionalProfile, testProfileSupport
  tlv('A9', `04 14 ${SKI}`),
  tlv('AA', `04 14 ${SKI}`),
  '8B 01 02',
  '04 03 01 00 00',
  tlv('0C', ascii('SAS-TEST-1')),
);

/** Digest §2.5: ctxParams1 with matchingId and DeviceInfo (IMEI omitted). */
export const CTX_PARAMS1 = `A0 24 80 09 ${ascii('ABCD-1234')} A1 17 80 04 35 29 06 11 A1 0F 80 03 08 00 00 81 03 08 00 00 85 03 0F 00 00`;

/** NotificationMetadata BF2F for `seq` with event bits (e.g. '06 40' enable) and the test ICCID. */
export function notificationMetadata(seq: number, eventBits: string): string {
  return tlv('BF2F', tlv('80', seq.toString(16).padStart(2, '0')), tlv('81', eventBits), tlv('0C', ascii(SMDP)), ICCID_TLV);
}

/** OtherSignedNotification (30) with stand-in certificates. */
export function otherSignedNotification(seq: number, eventBits: string): string {
  return tlv('30', notificationMetadata(seq, eventBits), SIGNATURE, tlv('30', '02 01 01'), tlv('30', '02 01 02'));
}

/** A successful ProfileInstallationResult (BF37) for seq `seq`. */
export function pirSuccess(seq: number): string {
  const data = tlv('BF27', tlv('80', TRANSACTION_ID), notificationMetadata(seq, '07 80'), '06 03 2A 03 04', tlv('A2', tlv('A0', `4F 10 ${ISDP_AID}`, tlv('04', '30 07 A0 05 30 03 80 01 00'))));
  return tlv('BF37', data, SIGNATURE);
}

/** A failed ProfileInstallationResult: bppCommandId / errorReason as hex bytes (e.g. '02', '09'). */
export function pirError(seq: number, bppCommandId: string, errorReason: string): string {
  const data = tlv('BF27', tlv('80', TRANSACTION_ID), notificationMetadata(seq, '07 80'), '06 03 2A 03 04', tlv('A2', tlv('A1', tlv('80', bppCommandId), tlv('81', errorReason))));
  return tlv('BF37', data, SIGNATURE);
}

/** InitialiseSecureChannelRequest (BF23) as an SM-DP+ sends it. */
export const INITIALISE_SECURE_CHANNEL = tlv('BF23', '82 01 01', tlv('80', TRANSACTION_ID), tlv('A6', '80 01 88 81 01 10 84 01 01'), tlv('5F49', '04', filler(64, 0x10)), SIGNATURE);

export interface BppParts {
  readonly first87: string;
  readonly the88s: readonly string[];
  readonly second87?: string;
  readonly the86s: readonly string[];
}

/** Segments of a test BPP; 86 #2 is 300 bytes so it needs two STORE DATA blocks of 255. */
export const BPP_PARTS: BppParts = {
  first87: tlv('87', filler(32, 0x87)),
  the88s: [tlv('88', filler(40, 0x88)), tlv('88', filler(24, 0x98))],
  second87: tlv('87', filler(48, 0xa7)),
  the86s: [tlv('86', filler(100, 0x86)), tlv('86', filler(300, 0x00)), tlv('86', filler(16, 0xc6))],
};

export function bppOf(parts: BppParts): string {
  return tlv(
    'BF36',
    INITIALISE_SECURE_CHANNEL,
    tlv('A0', parts.first87),
    tlv('A1', ...parts.the88s),
    ...(parts.second87 === undefined ? [] : [tlv('A2', parts.second87)]),
    tlv('A3', ...parts.the86s),
  );
}
