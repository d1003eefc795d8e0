/**
 * Bound Profile Package assembly (SGP22-DIGEST §3.5, §5.3, §5.4): one-time DP key pair, ECDH with the
 * eUICC's otPK, SCP03t session keys, BF23 signed with SK.DPpb, then ConfigureISDP (87), StoreMetadata
 * (88…), optionally ReplaceSessionKeys (87) with fresh random PPKs, and the SAIP package (86…).
 */
import { randomBytes } from 'node:crypto';
import { concatBytes } from '../../../shared/hex.js';
import { encodeConstructed, encodeTlv } from '../../codec/ber-tlv.js';
import { encode } from '../../codec/schema.js';
import { ConfigureISDPRequest, ControlRefTemplate, ReplaceSessionKeysRequest } from '../../codec/sgp22/index.js';
import { deriveScp03tKeys, ecdhSharedSecret, generateEckaKeyPair, SCP03T_KEY_LENGTH, SCP03T_KEY_TYPE, Scp03tContext, signToTlv } from '../../crypto/index.js';
import type { PkiIdentity } from '../../crypto/index.js';

export interface BppInput {
  transactionId: Uint8Array;
  /** SK.DPpb signs BF23; the one-time key uses the curve of CERT.DPpb. */
  pb: PkiIdentity;
  /** otPK.EUICC.ECKA from euiccSigned2 (04‖X‖Y). */
  euiccOtpk: Uint8Array;
  /** EID from CERT.EUICC (KDF shared info). */
  eid: string;
  /** StoreMetadataRequest BF25 TLV. */
  storeMetadata: Uint8Array;
  /** SAIP profile package (concatenated ProfileElements). */
  profilePackage: Uint8Array;
  /** Send ReplaceSessionKeys (A2) and protect the profile with fresh PPKs; default true. */
  replaceSessionKeys?: boolean;
  /** Default: 8 random bytes. */
  hostId?: Uint8Array;
}

export interface BoundProfilePackage {
  /** BF36 TLV. */
  bpp: Uint8Array;
  smdpOtpk: Uint8Array;
  hostId: Uint8Array;
}

const REMOTE_OP_INSTALL_BPP = 1;

export function buildBoundProfilePackage(input: BppInput): BoundProfilePackage {
  const hostId = input.hostId ?? new Uint8Array(randomBytes(8));
  const otKey = generateEckaKeyPair(input.pb.cert.curve);
  const keys = deriveScp03tKeys(ecdhSharedSecret(otKey, input.euiccOtpk), hostId, input.eid);

  // smdpSign covers the BF23 content from 82 through the 5F49 smdpOtpk TLV, then 5F49 41 euiccOtpk.
  const signedPart = concatBytes(
    encodeTlv(0x82, Uint8Array.of(REMOTE_OP_INSTALL_BPP)),
    encodeTlv(0x80, input.transactionId),
    encode(ControlRefTemplate.withTag(0xa6), { keyType: Uint8Array.of(SCP03T_KEY_TYPE), keyLen: Uint8Array.of(SCP03T_KEY_LENGTH), hostId }),
    encodeTlv(0x5f49, otKey.publicPoint),
  );
  const smdpSign = signToTlv(input.pb.key, concatBytes(signedPart, encodeTlv(0x5f49, input.euiccOtpk)));
  const initialiseSecureChannel = encodeTlv(0xbf23, concatBytes(signedPart, smdpSign));

  const ctx = new Scp03tContext(keys);
  const parts = [
    initialiseSecureChannel,
    encodeConstructed(0xa0, [ctx.protect(0x87, encode(ConfigureISDPRequest, {}))]),
    encodeConstructed(0xa1, ctx.protectSplit(0x88, input.storeMetadata)),
  ];
  if (input.replaceSessionKeys !== false) {
    const ppk = { initialMacChainingValue: new Uint8Array(randomBytes(16)), ppkEnc: new Uint8Array(randomBytes(16)), ppkCmac: new Uint8Array(randomBytes(16)) };
    parts.push(encodeConstructed(0xa2, [ctx.protect(0x87, encode(ReplaceSessionKeysRequest, ppk))]));
    ctx.replaceKeys(ppk.ppkEnc, ppk.ppkCmac, ppk.initialMacChainingValue);
  }
  parts.push(encodeConstructed(0xa3, ctx.protectSplit(0x86, input.profilePackage)));
  return { bpp: encodeConstructed(0xbf36, parts), smdpOtpk: otKey.publicPoint, hostId };
}
