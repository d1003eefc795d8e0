/**
 * Test helpers for the virtual eUICC (src-main/sim/euicc): a minimal SM-DP+ signer that builds the
 * server side of a download with real crypto (serverSigned1, smdpSigned2, the Bound Profile Package
 * split as an LPA sends it), a small SAIP package builder, and typed ES10 calls against an IsdR.
 * Replace the signer by the SM-DP+ binding (src-main/sim/smdp/binding.ts) once that exists.
 */
import { concatBytes, fromHex } from '../../shared/hex.js';
import { encodeTlv, encodeTlvParts, readTlvHeader } from '../../src-main/codec/ber-tlv.js';
import { decode, encode, withRawOf } from '../../src-main/codec/schema.js';
import { buildProfilePackage } from '../../src-main/codec/saip/index.js';
import {
  AuthenticateServerResponse,
  ConfigureISDPRequest,
  PrepareDownloadResponse,
  ReplaceSessionKeysRequest,
  ServerSigned1,
  SmdpSigned2,
  StoreMetadataRequest,
} from '../../src-main/codec/sgp22/index.js';
import type { Es10Function, StoreMetadataRequestValue } from '../../src-main/codec/sgp22/index.js';
import { deriveScp03tKeys, ecdhSharedSecret, generateEckaKeyPair, Scp03tContext, signPlain, signToTlv, wrapSignature } from '../../src-main/crypto/index.js';
import type { PkiIdentity, RspPki } from '../../src-main/crypto/index.js';
import type { IsdR } from '../../src-main/sim/euicc/isd-r.js';

export const TEST_SMDP_ADDRESS = 'testsmdpplus1.example.com';
/** PKI seed shared by the interrupted-load child process and its test. */
export const INTERRUPT_PKI_SEED = 'interrupt-test';
/** DeviceInfo A1 {80 TAC, A1 capabilities {gsm, utran, eutranEpc}} as lpac sends it (digest §2.5). */
const DEVICE_INFO = fromHex('A117800435290611A10F8003080000810308000085030F0000');

/** Encodes `value` with the function's request schema, runs it on the ISD-R, decodes the answer. */
export async function callIsdr<Req, Res>(isdr: IsdR, fn: Es10Function<Req, Res>, value: Req): Promise<Res> {
  const response = await isdr.handle(encode(fn.request, value), { channel: 0 });
  if (response === null) throw new Error(`${fn.name} answered without data`);
  return decode(fn.response, response);
}

/** A SAIP profile package built by the SAIP codec (header, MF, USIM, PIN/PUK, AKA, …, end). */
export function saipPackage(o: { iccid: string; imsi: string; spn: string; pin1?: string; padTo?: number }): Uint8Array {
  return buildProfilePackage({ iccid: o.iccid, imsi: o.imsi, spn: o.spn, ...(o.pin1 === undefined ? {} : { pin1: o.pin1 }), ...(o.padTo === undefined ? {} : { size: o.padTo }) });
}

export function testMetadata(iccid: string, extra: Partial<StoreMetadataRequestValue> = {}): StoreMetadataRequestValue {
  return {
    iccid,
    serviceProviderName: 'Workbench Mobile',
    profileName: 'Workbench 5G',
    profileClass: 'operational',
    notificationConfigurationInfo: [{ profileManagementOperation: ['notificationInstall', 'notificationEnable', 'notificationDisable', 'notificationDelete'], notificationAddress: TEST_SMDP_ADDRESS }],
    profileOwner: { mccMnc: '00101' },
    ...extra,
  };
}

export interface BppParts {
  bf23: Uint8Array;
  a0: Uint8Array[];
  a1: Uint8Array[];
  a2?: Uint8Array[];
  a3: Uint8Array[];
}

/** The whole BF36 TLV. */
export function bppBytes(p: BppParts): Uint8Array {
  return encodeTlvParts(0xbf36, [p.bf23, encodeTlvParts(0xa0, p.a0), encodeTlvParts(0xa1, p.a1), ...(p.a2 === undefined ? [] : [encodeTlvParts(0xa2, p.a2)]), encodeTlvParts(0xa3, p.a3)]);
}

function headerOf(tlv: Uint8Array): Uint8Array {
  return tlv.subarray(0, readTlvHeader(tlv).headerLength);
}

/**
 * The LoadBoundProfilePackage calls an LPA makes (digest §3.5): BF36 header + BF23, the whole A0
 * (or, `per87`, the A0 header then each 87), A1 header, each 88, the whole A2, A3 header, each 86.
 */
export function lpaPieces(p: BppParts, options: { per87?: boolean } = {}): Uint8Array[] {
  const whole = bppBytes(p);
  const a0 = encodeTlvParts(0xa0, p.a0);
  return [
    concatBytes(headerOf(whole), p.bf23),
    ...(options.per87 === true ? [headerOf(a0), ...p.a0] : [a0]),
    headerOf(encodeTlvParts(0xa1, p.a1)),
    ...p.a1,
    ...(p.a2 === undefined ? [] : [encodeTlvParts(0xa2, p.a2)]),
    headerOf(encodeTlvParts(0xa3, p.a3)),
    ...p.a3,
  ];
}

export interface ServerAuth {
  transactionId: Uint8Array;
  serverSigned1: Uint8Array;
  serverSignature1: Uint8Array;
  serverChallenge: Uint8Array;
}

/** A test SM-DP+: signs what a real one signs, with keys of `pki`. */
export class TestSmdp {
  readonly pki: RspPki;
  readonly address: string;
  readonly auth: PkiIdentity;
  readonly pb: PkiIdentity;
  transactionId = fromHex('0123456789ABCDEF0123456789ABCDEF');

  constructor(pki: RspPki, o: { address?: string; auth?: PkiIdentity; pb?: PkiIdentity } = {}) {
    this.pki = pki;
    this.address = o.address ?? TEST_SMDP_ADDRESS;
    this.auth = o.auth ?? pki.dpAuth;
    this.pb = o.pb ?? pki.dpPb;
  }

  get ciPkId(): Uint8Array {
    const ci = this.pki.ci.find((c) => c.curve === this.auth.cert.curve) ?? this.pki.ci[0];
    if (ci === undefined) throw new Error('PKI without CI');
    return ci.ski;
  }

  /** ES9+ initiateAuthentication: serverSigned1 + serverSignature1 over it. */
  initiate(euiccChallenge: Uint8Array): ServerAuth {
    const serverChallenge = fromHex('00112233445566778899AABBCCDDEEFF');
    const signed = withRawOf(ServerSigned1, { transactionId: this.transactionId, euiccChallenge, serverAddress: this.address, serverChallenge });
    return { transactionId: this.transactionId, serverSigned1: signed.raw, serverSignature1: signPlain(this.auth.key, signed.raw), serverChallenge };
  }

  /** The AuthenticateServer request an LPA builds from `auth` (fields may be overridden for negatives). */
  authenticateServerRequest(
    auth: ServerAuth,
    o: { matchingId?: string; serverCertificate?: Uint8Array; ciPkId?: Uint8Array; serverSignature1?: Uint8Array } = {},
  ): Uint8Array {
    const ctxParams1 = encodeTlv(
      0xa0,
      concatBytes(...(o.matchingId === undefined ? [] : [encodeTlv(0x80, new TextEncoder().encode(o.matchingId))]), DEVICE_INFO),
    );
    return encodeTlvParts(0xbf38, [
      auth.serverSigned1,
      wrapSignature(o.serverSignature1 ?? auth.serverSignature1),
      encodeTlv(0x04, o.ciPkId ?? this.ciPkId),
      o.serverCertificate ?? this.auth.cert.der,
      ctxParams1,
    ]);
  }

  /** ES9+ authenticateClient answer turned into the PrepareDownload request. */
  prepareDownloadRequest(
    authenticateServerResponse: Uint8Array,
    o: { ccRequired?: boolean; hashCc?: Uint8Array; transactionId?: Uint8Array; smdpCertificate?: Uint8Array; signWith?: PkiIdentity; bppEuiccOtpk?: Uint8Array } = {},
  ): Uint8Array {
    const res = decode(AuthenticateServerResponse, authenticateServerResponse);
    if (res.kind !== 'authenticateResponseOk') throw new Error(`AuthenticateServer failed: ${String(res.value.authenticateErrorCode)}`);
    const signed2 = withRawOf(SmdpSigned2, {
      transactionId: o.transactionId ?? this.transactionId,
      ccRequiredFlag: o.ccRequired ?? false,
      ...(o.bppEuiccOtpk === undefined ? {} : { bppEuiccOtpk: o.bppEuiccOtpk }),
    });
    const signature = signToTlv((o.signWith ?? this.pb).key, concatBytes(signed2.raw, wrapSignature(res.value.euiccSignature1)));
    return encodeTlvParts(0xbf21, [signed2.raw, signature, ...(o.hashCc === undefined ? [] : [encodeTlv(0x04, o.hashCc)]), o.smdpCertificate ?? this.pb.cert.der]);
  }

  /** ES9+ getBoundProfilePackage: binds `profile` to the eUICC's one-time key. */
  boundProfilePackage(
    prepareDownloadResponse: Uint8Array,
    o: { eid: string; metadata: StoreMetadataRequestValue; profile: Uint8Array; replaceSessionKeys?: boolean; transactionId?: Uint8Array; remoteOpId?: number },
  ): BppParts {
    const res = decode(PrepareDownloadResponse, prepareDownloadResponse);
    if (res.kind !== 'downloadResponseOk') throw new Error(`PrepareDownload failed: ${String(res.value.downloadErrorCode)}`);
    const euiccOtpk = res.value.euiccSigned2.value.euiccOtpk;
    const ot = generateEckaKeyPair(this.pb.cert.curve);
    const hostId = fromHex('8080808080808080');
    const signedPart = concatBytes(
      encodeTlv(0x82, Uint8Array.of(o.remoteOpId ?? 1)),
      encodeTlv(0x80, o.transactionId ?? this.transactionId),
      encodeTlvParts(0xa6, [fromHex('800188'), fromHex('810110'), encodeTlv(0x84, hostId)]),
      encodeTlv(0x5f49, ot.publicPoint),
    );
    const smdpSign = signToTlv(this.pb.key, concatBytes(signedPart, encodeTlv(0x5f49, euiccOtpk)));
    const bf23 = encodeTlvParts(0xbf23, [signedPart, smdpSign]);
    const scp = new Scp03tContext(deriveScp03tKeys(ecdhSharedSecret(ot, euiccOtpk), hostId, o.eid));
    const a0 = scp.protectSplit(0x87, encode(ConfigureISDPRequest, { dpProprietaryData: { dpOid: this.pb.cert.rspOid ?? '2.999.10' } }));
    const a1 = scp.protectSplit(0x88, encode(StoreMetadataRequest, o.metadata));
    let a2: Uint8Array[] | undefined;
    if (o.replaceSessionKeys === true) {
      const ppk = { initialMacChainingValue: fromHex('000102030405060708090A0B0C0D0E0F'), ppkEnc: fromHex('101112131415161718191A1B1C1D1E1F'), ppkCmac: fromHex('202122232425262728292A2B2C2D2E2F') };
      a2 = [scp.protect(0x87, encode(ReplaceSessionKeysRequest, ppk))];
      scp.replaceKeys(ppk.ppkEnc, ppk.ppkCmac, ppk.initialMacChainingValue);
    }
    const a3 = scp.protectSplit(0x86, o.profile);
    return { bf23, a0, a1, ...(a2 === undefined ? {} : { a2 }), a3 };
  }
}

export interface DownloadOptions {
  iccid?: string;
  imsi?: string;
  metadata?: Partial<StoreMetadataRequestValue>;
  /** ICCID written into the ProfileHeader (default: the metadata one). */
  packageIccid?: string;
  replaceSessionKeys?: boolean;
  per87?: boolean;
  /** Changes the pieces before they are sent (negative tests). */
  tamper?: (pieces: Uint8Array[]) => Uint8Array[];
  padTo?: number;
  /** Sent instead of the SAIP package (negative tests). */
  profileBytes?: Uint8Array;
}

export interface DownloadRun {
  /** Responses of each LoadBoundProfilePackage call (null = 90 00 without data). */
  responses: (Uint8Array | null)[];
  pieces: Uint8Array[];
}

/** The ES10 side of a whole download against `isdr` (challenge → auth → prepare → BPP pieces). */
export async function runDownload(isdr: IsdR, smdp: TestSmdp, eid: string, o: DownloadOptions = {}): Promise<DownloadRun> {
  const iccid = o.iccid ?? '8944476500000000017';
  const challengeResponse = await isdr.handle(fromHex('BF2E00'), { channel: 0 });
  const challenge = challengeResponse?.subarray(5, 21) ?? new Uint8Array(16);
  const auth = await isdr.handle(smdp.authenticateServerRequest(smdp.initiate(challenge), { matchingId: 'EWB-TEST' }), { channel: 0 });
  if (auth === null) throw new Error('no AuthenticateServer response');
  const prep = await isdr.handle(smdp.prepareDownloadRequest(auth), { channel: 0 });
  if (prep === null) throw new Error('no PrepareDownload response');
  const parts = smdp.boundProfilePackage(prep, {
    eid,
    metadata: testMetadata(iccid, o.metadata),
    profile: o.profileBytes ?? saipPackage({ iccid: o.packageIccid ?? iccid, imsi: o.imsi ?? '001010000000017', spn: 'Workbench', ...(o.padTo === undefined ? {} : { padTo: o.padTo }) }),
    ...(o.replaceSessionKeys === undefined ? {} : { replaceSessionKeys: o.replaceSessionKeys }),
  });
  let pieces = lpaPieces(parts, { per87: o.per87 === true });
  if (o.tamper !== undefined) pieces = o.tamper(pieces);
  const responses: (Uint8Array | null)[] = [];
  for (const piece of pieces) {
    const r = await isdr.handle(piece, { channel: 0 });
    responses.push(r);
    if (r !== null) break; // a BF37 ends the load (digest §3.5): an LPA stops sending
  }
  return { responses, pieces };
}
