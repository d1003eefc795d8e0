/**
 * Bound Profile Package (BF36, DIGEST §3.5) and the ES8+ commands protected inside it
 * (BF23 InitialiseSecureChannel, BF24 ConfigureISDP, BF26 ReplaceSessionKeys).
 * The 86/87/88 segments stay opaque bytes here: protecting them is the crypto layer's job.
 */
import { enumerated, field, octetString, optional, sequence, sequenceOf, withRaw } from '../schema.js';
import type { Infer } from '../schema.js';
import { DpProprietaryData, OneTimePublicKey, Signature, TransactionId } from './common.js';

export const ControlRefTemplate = sequence({
  keyType: field(0x80, octetString({ min: 1, max: 1 })), // 88 = AES
  keyLen: field(0x81, octetString({ min: 1, max: 1 })), // 10 = 16 bytes
  hostId: field(0x84, octetString({ min: 1, max: 16 })),
}).named('ControlRefTemplate');

export const InitialiseSecureChannelRequest = sequence({
  remoteOpId: field(0x82, enumerated({ installBoundProfilePackage: 1 })),
  transactionId: field(0x80, TransactionId),
  controlRefTemplate: field(0xa6, ControlRefTemplate),
  smdpOtpk: field(OneTimePublicKey),
  smdpSign: field(Signature),
})
  .withTag(0xbf23)
  .named('InitialiseSecureChannelRequest');

export const ConfigureISDPRequest = sequence({
  dpProprietaryData: optional(0xb8, DpProprietaryData),
})
  .withTag(0xbf24)
  .named('ConfigureISDPRequest');

export const ReplaceSessionKeysRequest = sequence({
  initialMacChainingValue: field(0x80, octetString()),
  ppkEnc: field(0x81, octetString()),
  ppkCmac: field(0x82, octetString()),
})
  .withTag(0xbf26)
  .named('ReplaceSessionKeysRequest');

const segments = (segmentTag: number) => sequenceOf(octetString().withTag(segmentTag));

export const BoundProfilePackage = sequence({
  /** smdpSign covers part of the received BF23 content, so its bytes are kept. */
  initialiseSecureChannelRequest: field(withRaw(InitialiseSecureChannelRequest)),
  firstSequenceOf87: field(0xa0, segments(0x87)),
  sequenceOf88: field(0xa1, segments(0x88)),
  secondSequenceOf87: optional(0xa2, segments(0x87)),
  sequenceOf86: field(0xa3, segments(0x86)),
})
  .withTag(0xbf36)
  .named('BoundProfilePackage');

export type InitialiseSecureChannelRequestValue = Infer<typeof InitialiseSecureChannelRequest>;
export type BoundProfilePackageValue = Infer<typeof BoundProfilePackage>;
