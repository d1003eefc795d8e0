/**
 * A minimal eUICC side for SM-DP+ tests, built from the crypto and codec modules only: it checks what
 * the server signs (serverSignature1, smdpSignature2, smdpSign), signs euiccSigned1/2, does the ECDH,
 * removes the SCP03t protection of a BPP, and produces PIR, cancel and other notifications — the
 * mirror of what the virtual eUICC does, without APDUs. Reusable by other test suites.
 */
import { randomBytes } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { bytesEqual, concatBytes } from '../../shared/hex.js';
import { parseTlv, parseTlvSequence } from '../../src-main/codec/ber-tlv.js';
import { decode, encode } from '../../src-main/codec/schema.js';
import {
  AuthenticateServerResponse,
  CancelSessionResponse,
  EUICCInfo1,
  EuiccCancelSessionSigned,
  EuiccSigned1,
  EuiccSigned2,
  NotificationMetadata,
  PrepareDownloadResponse,
  ProfileInstallationResult,
  ProfileInstallationResultData,
  ServerSigned1,
  SmdpSigned2,
  OtherSignedNotification,
} from '../../src-main/codec/sgp22/index.js';
import type { EUICCInfo2Value } from '../../src-main/codec/sgp22/index.js';
import {
  computeHashCc,
  deriveScp03tKeys,
  ecdhSharedSecret,
  generateEckaKeyPair,
  parseCertificate,
  Scp03tContext,
  signPlain,
  verifyServerCertificate,
  verifyTlv,
  wrapSignature,
} from '../../src-main/crypto/index.js';
import type { EckaKeyPair, RspCertificate, RspPki } from '../../src-main/crypto/index.js';

const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64');
const unb64 = (s: unknown): Uint8Array => {
  if (typeof s !== 'string') throw new Error(`mirror: expected a base64 string, got ${JSON.stringify(s)}`);
  return new Uint8Array(Buffer.from(s, 'base64'));
};

export interface MirrorIdentity {
  euiccCert: RspCertificate;
  euiccKey: KeyObject;
  eumCert: RspCertificate;
  eid: string;
}

export interface MirrorOptions {
  /** CI roots the eUICC trusts (verification list = their SKIs). */
  pki: RspPki;
  /** eUICC identity; default the PKI's own eUICC (give another PKI's to test an untrusted EUM). */
  identity?: MirrorIdentity;
  /** Overrides euiccCiPKIdListForVerification (and ForSigning). */
  ciPkIds?: Uint8Array[];
  svn?: string;
  freeNonVolatileMemory?: number;
}

export interface UnwrappedBpp {
  configureIsdp: Uint8Array;
  storeMetadata: Uint8Array;
  replaceSessionKeys?: Uint8Array;
  profilePackage: Uint8Array;
  /** Count of 86 segments. */
  profileSegments: number;
  smdpOtpk: Uint8Array;
  hostId: Uint8Array;
}

type Json = Record<string, unknown>;

function extCardResource(freeNvm: number): Uint8Array {
  const nvm = [freeNvm >>> 24, (freeNvm >>> 16) & 0xff, (freeNvm >>> 8) & 0xff, freeNvm & 0xff];
  return Uint8Array.from([0x81, 0x01, 0x00, 0x82, 0x04, ...nvm, 0x83, 0x02, 0x40, 0x00]);
}

export class EuiccMirror {
  readonly identity: MirrorIdentity;
  private readonly ciPkIds: Uint8Array[];
  private challenge?: Uint8Array;
  private transactionId?: Uint8Array;
  private serverCert?: RspCertificate;
  private euiccSignature1?: Uint8Array;
  private smdpSignature2?: Uint8Array;
  private pbCert?: RspCertificate;
  private otKey?: EckaKeyPair;

  constructor(private readonly options: MirrorOptions) {
    const p = options.pki;
    this.identity = options.identity ?? { euiccCert: p.euicc.cert, euiccKey: p.euicc.key, eumCert: p.eum.cert, eid: p.euicc.eid };
    this.ciPkIds = options.ciPkIds ?? p.ci.map((c) => c.ski);
  }

  static identityOf(pki: RspPki): MirrorIdentity {
    return { euiccCert: pki.euicc.cert, euiccKey: pki.euicc.key, eumCert: pki.eum.cert, eid: pki.euicc.eid };
  }

  get sessionTransactionId(): Uint8Array | undefined {
    return this.transactionId;
  }

  euiccInfo1(): Uint8Array {
    return encode(EUICCInfo1, { svn: this.options.svn ?? '2.2.2', euiccCiPKIdListForVerification: this.ciPkIds, euiccCiPKIdListForSigning: this.ciPkIds });
  }

  euiccInfo2(): EUICCInfo2Value {
    return {
      profileVersion: '2.3.0',
      svn: this.options.svn ?? '2.2.2',
      euiccFirmwareVer: '1.0.0',
      extCardResource: extCardResource(this.options.freeNonVolatileMemory ?? 400_000),
      uiccCapability: ['usimSupport', 'akaMilenage'],
      rspCapability: ['additionalProfile'],
      euiccCiPKIdListForVerification: this.ciPkIds,
      euiccCiPKIdListForSigning: this.ciPkIds,
      ppVersion: '0.0.1',
      sasAcreditationNumber: 'EWB-TEST-0001',
    };
  }

  /** ES9+ initiateAuthentication request body with a fresh euiccChallenge. */
  initiateAuthenticationRequest(smdpAddress: string): Json {
    this.challenge = new Uint8Array(randomBytes(16));
    return { euiccChallenge: b64(this.challenge), euiccInfo1: b64(this.euiccInfo1()), smdpAddress };
  }

  /** AuthenticateServer: checks the server's answer like an eUICC, returns the BF38 TLV. */
  authenticateServer(init: Json, ctx: { matchingId?: string; corruptSignature?: boolean } = {}): Uint8Array {
    const serverSigned1Bytes = unb64(init.serverSigned1);
    const serverSigned1 = decode(ServerSigned1, serverSigned1Bytes);
    const serverCert = parseCertificate(unb64(init.serverCertificate));
    const ciPkId = parseTlv(unb64(init.euiccCiPKIdToBeUsed)).value;
    verifyServerCertificate(
      serverCert,
      this.options.pki.ci.map((c) => c.cert),
      { expectedRole: ['dp-auth', 'ds-auth'], ciPkId },
    );
    if (!verifyTlv(serverCert.publicKey, serverSigned1Bytes, unb64(init.serverSignature1))) throw new Error('mirror: serverSignature1 invalid');
    if (!this.challenge || !bytesEqual(serverSigned1.euiccChallenge, this.challenge)) throw new Error('mirror: euiccChallenge mismatch');
    if (init.transactionId !== Buffer.from(serverSigned1.transactionId).toString('hex').toUpperCase()) throw new Error('mirror: JSON transactionId differs from serverSigned1');
    this.transactionId = serverSigned1.transactionId;
    this.serverCert = serverCert;

    const euiccSigned1 = encode(EuiccSigned1, {
      transactionId: serverSigned1.transactionId,
      serverAddress: serverSigned1.serverAddress,
      serverChallenge: serverSigned1.serverChallenge,
      euiccInfo2: this.euiccInfo2(),
      ctxParams1: {
        kind: 'ctxParamsForCommonAuthentication',
        value: { ...(ctx.matchingId !== undefined ? { matchingId: ctx.matchingId } : {}), deviceInfo: { tac: Uint8Array.of(0x35, 0x29, 0x06, 0x11), deviceCapabilities: {} } },
      },
    });
    const signature = signPlain(this.identity.euiccKey, euiccSigned1);
    if (ctx.corruptSignature) signature[10] = (signature[10] ?? 0) ^ 0xff;
    this.euiccSignature1 = wrapSignature(signature);
    return encode(AuthenticateServerResponse, {
      kind: 'authenticateResponseOk',
      value: {
        euiccSigned1: { value: decode(EuiccSigned1, euiccSigned1), raw: euiccSigned1 },
        euiccSignature1: signature,
        euiccCertificate: this.identity.euiccCert.der,
        eumCertificate: this.identity.eumCert.der,
      },
    });
  }

  /** ES9+ authenticateClient request body. */
  authenticateClientRequest(init: Json, ctx: { matchingId?: string; corruptSignature?: boolean } = {}): Json {
    return { transactionId: init.transactionId, authenticateServerResponse: b64(this.authenticateServer(init, ctx)) };
  }

  /** PrepareDownload: checks smdpSignature2, makes otPK.EUICC, returns the BF21 TLV. */
  prepareDownload(auth: Json, ctx: { confirmationCode?: string } = {}): Uint8Array {
    const smdpSigned2Bytes = unb64(auth.smdpSigned2);
    const smdpSignature2 = unb64(auth.smdpSignature2);
    const pbCert = parseCertificate(unb64(auth.smdpCertificate));
    verifyServerCertificate(
      pbCert,
      this.options.pki.ci.map((c) => c.cert),
      { expectedRole: 'dp-pb' },
    );
    if (!this.euiccSignature1 || !verifyTlv(pbCert.publicKey, concatBytes(smdpSigned2Bytes, this.euiccSignature1), smdpSignature2)) throw new Error('mirror: smdpSignature2 invalid');
    const smdpSigned2 = decode(SmdpSigned2, smdpSigned2Bytes);
    if (!this.transactionId || !bytesEqual(smdpSigned2.transactionId, this.transactionId)) throw new Error('mirror: smdpSigned2 transactionId mismatch');
    if (pbCert.rspOid !== this.serverCert?.rspOid) throw new Error('mirror: DPpb and DPauth OIDs differ');
    this.pbCert = pbCert;
    this.smdpSignature2 = smdpSignature2;
    this.otKey ??= generateEckaKeyPair(pbCert.curve);
    const hashCc = ctx.confirmationCode !== undefined ? computeHashCc(ctx.confirmationCode, this.transactionId) : undefined;
    const euiccSigned2 = encode(EuiccSigned2, { transactionId: this.transactionId, euiccOtpk: this.otKey.publicPoint, ...(hashCc ? { hashCc } : {}) });
    const signature = signPlain(this.identity.euiccKey, concatBytes(euiccSigned2, smdpSignature2));
    return encode(PrepareDownloadResponse, {
      kind: 'downloadResponseOk',
      value: { euiccSigned2: { value: decode(EuiccSigned2, euiccSigned2), raw: euiccSigned2 }, euiccSignature2: signature },
    });
  }

  getBoundProfilePackageRequest(auth: Json, ctx: { confirmationCode?: string } = {}): Json {
    return { transactionId: auth.transactionId, prepareDownloadResponse: b64(this.prepareDownload(auth, ctx)) };
  }

  /** ES8+ side of LoadBoundProfilePackage: checks BF23, derives the keys, unprotects every segment. */
  loadBoundProfilePackage(bpp: Uint8Array | string): UnwrappedBpp {
    const tlv = parseTlv(typeof bpp === 'string' ? unb64(bpp) : bpp);
    if (tlv.tag !== 0xbf36) throw new Error('mirror: not a BF36');
    const [bf23, a0, a1, ...rest] = tlv.children ?? [];
    if (!bf23 || bf23.tag !== 0xbf23 || !a0 || a0.tag !== 0xa0 || !a1 || a1.tag !== 0xa1) throw new Error('mirror: BF36 layout');
    const a2 = rest[0]?.tag === 0xa2 ? rest[0] : undefined;
    const a3 = rest[rest.length - 1];
    if (!a3 || a3.tag !== 0xa3) throw new Error('mirror: no A3');
    const children = bf23.children ?? [];
    const sign = children[children.length - 1];
    const byTag = (t: number) => children.find((c) => c.tag === t);
    const signed = concatBytes(...children.slice(0, -1).map((c) => c.raw), Uint8Array.of(0x5f, 0x49, 0x41), this.otKey?.publicPoint ?? new Uint8Array(0));
    if (!this.pbCert || !sign || sign.tag !== 0x5f37 || !verifyTlv(this.pbCert.publicKey, signed, sign.raw)) throw new Error('mirror: smdpSign invalid');
    if (!bytesEqual(byTag(0x82)?.value ?? new Uint8Array(0), Uint8Array.of(1))) throw new Error('mirror: remoteOpId');
    if (!this.transactionId || !bytesEqual(byTag(0x80)?.value ?? new Uint8Array(0), this.transactionId)) throw new Error('mirror: BF23 transactionId');
    const crt = byTag(0xa6)?.children ?? [];
    const hostId = crt.find((c) => c.tag === 0x84)?.value ?? new Uint8Array(0);
    const smdpOtpk = byTag(0x5f49)?.value ?? new Uint8Array(0);
    const keys = deriveScp03tKeys(ecdhSharedSecret(this.otKey as EckaKeyPair, smdpOtpk), hostId, this.identity.eid);
    const ctx = new Scp03tContext(keys);
    const open = (list: typeof a0, tag: 0x86 | 0x87 | 0x88) => (list.children ?? []).map((c) => ctx.unprotect(c.raw, tag));
    const configureIsdp = concatBytes(...open(a0, 0x87));
    const storeMetadata = concatBytes(...open(a1, 0x88));
    let replaceSessionKeys: Uint8Array | undefined;
    if (a2) {
      replaceSessionKeys = concatBytes(...open(a2, 0x87));
      const [mcv, enc, mac] = parseTlvSequence(parseTlv(replaceSessionKeys).value).map((t) => t.value);
      ctx.replaceKeys(enc as Uint8Array, mac as Uint8Array, mcv as Uint8Array);
    }
    const segments = open(a3, 0x86);
    return {
      configureIsdp,
      storeMetadata,
      ...(replaceSessionKeys ? { replaceSessionKeys } : {}),
      profilePackage: concatBytes(...segments),
      profileSegments: segments.length,
      smdpOtpk,
      hostId,
    };
  }

  /** BF37 ProfileInstallationResult for the current session. */
  installationResult(o: { seqNumber: number; notificationAddress: string; iccid: string; success: boolean; corruptSignature?: boolean }): Uint8Array {
    if (!this.transactionId || !this.pbCert?.rspOid) throw new Error('mirror: no bound session');
    const data = encode(ProfileInstallationResultData, {
      transactionId: this.transactionId,
      notificationMetadata: { seqNumber: o.seqNumber, profileManagementOperation: ['notificationInstall'], notificationAddress: o.notificationAddress, iccid: o.iccid },
      smdpOid: this.pbCert.rspOid,
      finalResult: o.success
        ? { kind: 'successResult', value: { aid: Uint8Array.from(Buffer.from('A0000005591010FFFFFFFF8900001000', 'hex')), simaResponse: Uint8Array.of(0x30, 0x07, 0xa0, 0x05, 0x30, 0x03, 0x80, 0x01, 0x00) } }
        : { kind: 'errorResult', value: { bppCommandId: 'loadProfileElements', errorReason: 'installFailedDueToDataMismatch' } },
    });
    const sig = signPlain(this.identity.euiccKey, data);
    if (o.corruptSignature) sig[5] = (sig[5] ?? 0) ^ 0x01;
    return encode(ProfileInstallationResult, { profileInstallationResultData: { value: decode(ProfileInstallationResultData, data), raw: data }, euiccSignPIR: sig });
  }

  /** OtherSignedNotification (enable/disable/delete). */
  otherNotification(o: { seqNumber: number; event: 'notificationEnable' | 'notificationDisable' | 'notificationDelete'; notificationAddress: string; iccid: string }): Uint8Array {
    const tbs = encode(NotificationMetadata, { seqNumber: o.seqNumber, profileManagementOperation: [o.event], notificationAddress: o.notificationAddress, iccid: o.iccid });
    return encode(OtherSignedNotification, {
      tbsOtherNotification: { value: decode(NotificationMetadata, tbs), raw: tbs },
      euiccNotificationSignature: signPlain(this.identity.euiccKey, tbs),
      euiccCertificate: this.identity.euiccCert.der,
      eumCertificate: this.identity.eumCert.der,
    });
  }

  /** BF41 CancelSession response for the current session (smdpOid of CERT.DPauth unless given). */
  cancelSession(reason: 'endUserRejection' | 'postponed' | 'timeout' | 'pprNotAllowed' | 'metadataMismatch' | 'loadBppExecutionError', smdpOid?: string): Uint8Array {
    if (!this.transactionId) throw new Error('mirror: no session');
    const signed = encode(EuiccCancelSessionSigned, { transactionId: this.transactionId, smdpOid: smdpOid ?? this.serverCert?.rspOid ?? '2.999.10', reason });
    return encode(CancelSessionResponse, {
      kind: 'cancelSessionResponseOk',
      value: { euiccCancelSessionSigned: { value: decode(EuiccCancelSessionSigned, signed), raw: signed }, euiccCancelSessionSignature: signPlain(this.identity.euiccKey, signed) },
    });
  }
}

