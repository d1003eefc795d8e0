/**
 * ES10b.LoadBoundProfilePackage (digest §3.3, 3.5, 3.6): the ISD-R side of ES8+.
 *
 * The LPA sends the BPP in pieces, each its own STORE DATA series: `BF36 hdr + BF23`, `A0 hdr + 87`
 * (or the A0 header and each 87 separately), `A1 hdr`, each `88`, `A2 hdr + 87`, `A3 hdr`, each `86`.
 * A piece is read as a run of container headers (BF36, A0–A3, whose content continues in later
 * pieces) and complete segment TLVs; the open containers' remaining lengths tell when a part is
 * complete, so any split at TLV boundaries works.
 *
 * No profile data is written while the package streams in: the ISD-P, metadata and profile content
 * stay in memory and become a profile in ONE StateStore transaction after the last 86, together with
 * the signed ProfileInstallationResult. An error stops the load, stores only the error PIR and ends
 * the session, so later segments get 6A88. What IS written from BF23 on is the small
 * `loadInProgress` record (transaction, SM-DP+, command reached): if the load never reaches its BF37
 * (reset, card removed, process killed), the next ES10 request turns it into an error PIR with
 * reason interruption, so the SM-DP+ still learns how the download ended.
 */
import { WorkbenchError } from '../../../shared/errors.js';
import { bytesEqual, concatBytes, fromHex, toHex } from '../../../shared/hex.js';
import { parseTlv, readTlvHeader } from '../../codec/ber-tlv.js';
import { decode, encode, withRawOf } from '../../codec/schema.js';
import { ConfigureISDPRequest, InitialiseSecureChannelRequest, ProfileInstallationResult, ProfileInstallationResultData, ReplaceSessionKeysRequest, StoreMetadataRequest } from '../../codec/sgp22/index.js';
import type { StoreMetadataRequestValue } from '../../codec/sgp22/index.js';
import { deriveScp03tKeys, ecdhSharedSecret, Scp03tContext, SCP03T_KEY_LENGTH, SCP03T_KEY_TYPE, sgp22CodesOf, SIGNATURE_TAG, signPlain, verifyPlain } from '../../crypto/index.js';
import type { Scp03tTag } from '../../crypto/index.js';
import { cardStatusError } from '../card/applet.js';
import { SW } from '../card/sw.js';
import { pprsAllowed } from './euicc-info.js';
import type { RatPpr } from './euicc-info.js';
import type { EuiccIdentity } from './identity.js';
import type { HandlerRow, IsdrContext } from './isdr-context.js';
import { nextSeqNumber, queueInstallResult } from './notifications.js';
import { buildProfileRecord, profileFootprint } from './profile-package.js';
import type { ProfileContent } from './profile-package.js';
import type { AuthenticatedServer, DownloadBinding } from './rsp-session.js';
import type { BppCommand, EuiccState, LoadInProgressRecord } from './state.js';

type ErrorReason =
  | 'incorrectInputValues'
  | 'invalidSignature'
  | 'invalidTransactionId'
  | 'unsupportedCrtValues'
  | 'unsupportedRemoteOperationType'
  | 'unsupportedProfileClass'
  | 'scp03tStructureError'
  | 'scp03tSecurityError'
  | 'installFailedDueToIccidAlreadyExistsOnEuicc'
  | 'installFailedDueToInsufficientMemoryForProfile'
  | 'installFailedDueToPEProcessingError'
  | 'installFailedDueToDataMismatch'
  | 'installFailedDueToInterruption'
  | 'pprNotAllowed'
  | 'installFailedDueToUnknownError';

/** A failed BPP command: what the ErrorResult of the PIR reports. */
class BppFailure extends Error {
  constructor(
    readonly command: BppCommand,
    readonly reason: ErrorReason | number,
    message: string,
  ) {
    super(message);
  }
}

/** The parts of a BPP in their order (BF36 children) and the command each one carries. */
const PARTS: readonly { tag: number; command: BppCommand; segment?: Scp03tTag; optional?: boolean }[] = [
  { tag: 0xbf23, command: 'initialiseSecureChannel' },
  { tag: 0xa0, command: 'configureISDP', segment: 0x87 },
  { tag: 0xa1, command: 'storeMetadata', segment: 0x88 },
  { tag: 0xa2, command: 'replaceSessionKeys', segment: 0x87, optional: true },
  { tag: 0xa3, command: 'loadProfileElements', segment: 0x86 },
];

const BPP_TAG = 0xbf36;
/** Outer tags a LoadBoundProfilePackage piece can start with. */
export const BPP_PIECE_TAGS: readonly number[] = [BPP_TAG, ...PARTS.map((p) => p.tag), 0x86, 0x87, 0x88];

/** The simaResponse of a successful install: one EUICCResponse with PEStatus ok. */
const SIMA_OK = fromHex('3007A0053003800100');
const ISDP_AID_PREFIX = 'A0000005591010FFFFFFFF890000';

/** Maps a crypto-layer error to the PIR reason, else `fallback`. */
function reasonOf(err: unknown, fallback: ErrorReason): ErrorReason | number {
  return sgp22CodesOf(err)?.installErrorReason ?? fallback;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** First ISD-P AID of the 89000010 00, 89000011 00, … series not used by an installed profile. */
function allocateIsdpAid(state: EuiccState): Uint8Array {
  const used = new Set(state.profiles.map((p) => p.isdpAid.toUpperCase()));
  for (let n = 0x10; n <= 0xff; n++) {
    const aid = `${ISDP_AID_PREFIX}${n.toString(16).toUpperCase()}00`;
    if (!used.has(aid)) return fromHex(aid);
  }
  throw new BppFailure('configureISDP', 'installFailedDueToInsufficientMemoryForProfile', 'No free ISD-P AID.');
}

interface OpenContainer {
  readonly tag: number;
  remaining: number;
}

export class BppLoad {
  readonly #server: AuthenticatedServer;
  readonly #binding: DownloadBinding;
  readonly #eid: string;
  /** BF36, then the part being received. */
  readonly #open: OpenContainer[] = [];
  /** Index in PARTS of the last part started. */
  #part = -1;
  #scp: Scp03tContext | undefined;
  #plaintext: Uint8Array[] = [];
  #isdpAid: Uint8Array | undefined;
  #dpProprietaryData: { dpOid: string } | undefined;
  #metadata: StoreMetadataRequestValue | undefined;
  #content: ProfileContent | undefined;

  constructor(server: AuthenticatedServer, binding: DownloadBinding, eid: string) {
    this.#server = server;
    this.#binding = binding;
    this.#eid = eid;
  }

  get iccid(): string | undefined {
    return this.#metadata?.iccid;
  }

  /** True once the whole BF36 has been received and processed. */
  get complete(): boolean {
    return this.#part >= 0 && this.#open.length === 0;
  }

  /** True once BF23 has been accepted. */
  get started(): boolean {
    return this.#scp !== undefined;
  }

  /** The BPP command last started (what an error or an interruption is reported against). */
  get command(): BppCommand {
    return PARTS[Math.max(this.#part, 0)]?.command ?? 'initialiseSecureChannel';
  }

  #structure(message: string): BppFailure {
    return new BppFailure(this.command, 'scp03tStructureError', message);
  }

  /** Processes one piece; throws BppFailure. */
  consume(piece: Uint8Array, ctx: IsdrContext): void {
    let pos = 0;
    while (pos < piece.length) {
      let header;
      try {
        header = readTlvHeader(piece, pos);
      } catch (err) {
        throw this.#structure(`Unreadable TLV header at offset ${pos}: ${messageOf(err)}`);
      }
      const total = header.headerLength + header.length;
      const isContainer = header.tag === BPP_TAG || PARTS.some((p) => p.tag === header.tag && p.segment !== undefined);
      this.#account(total);
      if (isContainer) {
        this.#openContainer(header.tag, header.length);
        pos += header.headerLength;
      } else {
        if (pos + total > piece.length) throw this.#structure(`Segment ${header.tag.toString(16)} is cut off: a segment must arrive whole in one call.`);
        this.#element(header.tag, piece.subarray(pos, pos + total));
        pos += total;
      }
      this.#closeFinished(ctx);
    }
  }

  /** Counts `n` bytes against the innermost open container. */
  #account(n: number): void {
    const inner = this.#open.at(-1);
    if (inner === undefined) {
      if (this.#part >= 0) throw this.#structure('Data after the end of the Bound Profile Package.');
      return;
    }
    inner.remaining -= n;
    if (inner.remaining < 0) throw this.#structure(`Data runs past the end of ${inner.tag.toString(16)}.`);
  }

  #openContainer(tag: number, length: number): void {
    if (tag === BPP_TAG) {
      if (this.#open.length > 0 || this.#part >= 0) throw this.#structure('BF36 inside a Bound Profile Package.');
      this.#open.push({ tag, remaining: length });
      return;
    }
    this.#startPart(tag);
    this.#open.push({ tag, remaining: length });
    this.#plaintext = [];
  }

  /** Checks that the part with `tag` may come now (right order, directly inside BF36). */
  #startPart(tag: number): void {
    const index = PARTS.findIndex((p) => p.tag === tag);
    if (this.#open.length !== 1 || this.#open[0]?.tag !== BPP_TAG) throw this.#structure(`${tag.toString(16)} outside of BF36.`);
    const skipped = PARTS.slice(this.#part + 1, index);
    if (index <= this.#part || skipped.some((p) => p.optional !== true)) {
      // Reported against the part that arrived out of place: that is the command that could not run.
      throw new BppFailure(PARTS[index]?.command ?? this.command, 'scp03tStructureError', `${tag.toString(16)} out of order (after ${PARTS[this.#part]?.tag.toString(16) ?? 'BF36'}).`);
    }
    this.#part = index;
  }

  #element(tag: number, raw: Uint8Array): void {
    if (tag === 0xbf23) {
      this.#startPart(tag);
      this.#initialiseSecureChannel(raw);
      return;
    }
    const container = this.#open.at(-1);
    const part = PARTS.find((p) => p.tag === container?.tag);
    if (part?.segment !== tag || this.#scp === undefined) throw this.#structure(`Segment ${tag.toString(16)} is not expected here.`);
    try {
      this.#plaintext.push(this.#scp.unprotect(raw, part.segment));
    } catch (err) {
      throw new BppFailure(part.command, reasonOf(err, 'scp03tStructureError'), messageOf(err));
    }
  }

  #closeFinished(ctx: IsdrContext): void {
    for (let inner = this.#open.at(-1); inner !== undefined && inner.remaining === 0; inner = this.#open.at(-1)) {
      this.#open.pop();
      if (inner.tag === BPP_TAG) {
        if (this.#content === undefined) throw this.#structure('The Bound Profile Package ended before the profile elements.');
        return;
      }
      const data = concatBytes(...this.#plaintext);
      this.#plaintext = [];
      if (inner.tag === 0xa0) this.#configureIsdp(data, ctx);
      else if (inner.tag === 0xa1) this.#storeMetadata(data, ctx);
      else if (inner.tag === 0xa2) this.#replaceSessionKeys(data);
      else this.#loadProfileElements(data, ctx);
    }
  }

  #initialiseSecureChannel(raw: Uint8Array): void {
    const fail = (reason: ErrorReason, message: string): never => {
      throw new BppFailure('initialiseSecureChannel', reason, message);
    };
    let req;
    try {
      req = decode(InitialiseSecureChannelRequest, raw);
    } catch (err) {
      return fail('incorrectInputValues', `BF23 is malformed: ${messageOf(err)}`);
    }
    if (req.remoteOpId !== 'installBoundProfilePackage') fail('unsupportedRemoteOperationType', `remoteOpId ${String(req.remoteOpId)} is not installBoundProfilePackage (1).`);
    if (!bytesEqual(req.transactionId, this.#server.transactionId)) fail('invalidTransactionId', 'BF23 transactionId is not the session one.');
    const crt = req.controlRefTemplate;
    if (crt.keyType[0] !== SCP03T_KEY_TYPE || crt.keyLen[0] !== SCP03T_KEY_LENGTH) fail('unsupportedCrtValues', 'Only AES-128 (keyType 88, keyLen 10) is supported.');
    // smdpSign covers the received BF23 content up to and including 5F49, then the eUICC's own otPK.
    const children = parseTlv(raw).children ?? [];
    const signed = concatBytes(...children.slice(0, children.findIndex((c) => c.tag === SIGNATURE_TAG)).map((c) => c.raw));
    const otPk = this.#binding.otKey.publicPoint;
    if (!verifyPlain(this.#binding.dpPb.publicKey, concatBytes(signed, Uint8Array.of(0x5f, 0x49, otPk.length), otPk), req.smdpSign)) fail('invalidSignature', 'smdpSign does not verify with CERT.DPpb.');
    try {
      const z = ecdhSharedSecret(this.#binding.otKey, req.smdpOtpk);
      this.#scp = new Scp03tContext(deriveScp03tKeys(z, crt.hostId, this.#eid));
    } catch (err) {
      throw new BppFailure('initialiseSecureChannel', reasonOf(err, 'incorrectInputValues'), messageOf(err));
    }
  }

  #configureIsdp(data: Uint8Array, ctx: IsdrContext): void {
    let req;
    try {
      req = decode(ConfigureISDPRequest, data);
    } catch (err) {
      throw new BppFailure('configureISDP', 'scp03tStructureError', `ConfigureISDP is malformed: ${messageOf(err)}`);
    }
    this.#dpProprietaryData = req.dpProprietaryData;
    this.#isdpAid = allocateIsdpAid(ctx.store.state);
  }

  #storeMetadata(data: Uint8Array, ctx: IsdrContext): void {
    const fail = (reason: ErrorReason, message: string): never => {
      throw new BppFailure('storeMetadata', reason, message);
    };
    let m: StoreMetadataRequestValue;
    try {
      m = decode(StoreMetadataRequest, data);
    } catch (err) {
      return fail('scp03tStructureError', `StoreMetadata is malformed: ${messageOf(err)}`);
    }
    this.#metadata = m;
    if (!/^\d{18,20}$/.test(m.iccid)) fail('incorrectInputValues', `ICCID ${m.iccid} is not 18–20 digits.`);
    if (ctx.store.state.profiles.some((p) => p.iccid === m.iccid)) fail('installFailedDueToIccidAlreadyExistsOnEuicc', `ICCID ${m.iccid} is already installed.`);
    const profileClass = m.profileClass ?? 'operational';
    if (typeof profileClass === 'number' || !ctx.info.allowedProfileClasses.includes(profileClass)) fail('unsupportedProfileClass', `Profile class ${String(profileClass)} is not accepted.`);
    const pprs = (m.profilePolicyRules ?? []).filter((p): p is RatPpr => p === 'ppr1' || p === 'ppr2');
    if (!pprsAllowed(ctx.info, pprs, m.profileOwner?.mccMnc)) fail('pprNotAllowed', `The RAT does not allow ${pprs.join(', ')} for this operator.`);
  }

  #replaceSessionKeys(data: Uint8Array): void {
    try {
      const req = decode(ReplaceSessionKeysRequest, data);
      this.#scp?.replaceKeys(req.ppkEnc, req.ppkCmac, req.initialMacChainingValue);
    } catch (err) {
      throw new BppFailure('replaceSessionKeys', 'scp03tStructureError', `ReplaceSessionKeys is malformed: ${messageOf(err)}`);
    }
  }

  #loadProfileElements(data: Uint8Array, ctx: IsdrContext): void {
    const fail = (reason: ErrorReason, message: string): never => {
      throw new BppFailure('loadProfileElements', reason, message);
    };
    const metadata = this.#metadata;
    if (metadata === undefined || this.#isdpAid === undefined) return fail('scp03tStructureError', 'Profile elements before ConfigureISDP and StoreMetadata.');
    let content: ProfileContent;
    try {
      content = ctx.parseProfilePackage(data);
    } catch (err) {
      return fail('installFailedDueToPEProcessingError', messageOf(err));
    }
    if (content.iccid !== metadata.iccid) fail('installFailedDueToDataMismatch', `ProfileHeader ICCID ${content.iccid} differs from the metadata ICCID ${metadata.iccid}.`);
    const record = this.profileRecord(content);
    if (profileFootprint(record) > ctx.store.state.freeMemory.nonVolatile) fail('installFailedDueToInsufficientMemoryForProfile', 'Not enough free memory for the profile.');
    this.#content = content;
  }

  profileRecord(content: ProfileContent): ReturnType<typeof buildProfileRecord> {
    const metadata = this.#metadata;
    const isdpAid = this.#isdpAid;
    if (metadata === undefined || isdpAid === undefined) throw new BppFailure('loadProfileElements', 'installFailedDueToUnknownError', 'Incomplete download.');
    return buildProfileRecord({ content, metadata, isdpAid, ...(this.#dpProprietaryData === undefined ? {} : { dpProprietaryData: this.#dpProprietaryData }) });
  }

  /** The installed profile's content (after a complete load). */
  get content(): ProfileContent | undefined {
    return this.#content;
  }

  get isdpAid(): Uint8Array | undefined {
    return this.#isdpAid;
  }
}

type FinalResult = { kind: 'successResult'; value: { aid: Uint8Array; simaResponse: Uint8Array } } | { kind: 'errorResult'; value: { bppCommandId: BppCommand; errorReason: ErrorReason | number } };

/** BF37 signed with SK.EUICC over the BF27 TLV as encoded. */
export function buildInstallResult(
  identity: EuiccIdentity,
  o: { transactionId: Uint8Array; notificationAddress: string; smdpOid: string; seqNumber: number; iccid?: string; result: FinalResult },
): Uint8Array {
  const data = withRawOf(ProfileInstallationResultData, {
    transactionId: o.transactionId,
    notificationMetadata: {
      seqNumber: o.seqNumber,
      profileManagementOperation: ['notificationInstall'],
      notificationAddress: o.notificationAddress,
      ...(o.iccid === undefined ? {} : { iccid: o.iccid }),
    },
    smdpOid: o.smdpOid,
    finalResult: o.result,
  });
  return encode(ProfileInstallationResult, { profileInstallationResultData: data, euiccSignPIR: signPlain(identity.key, data.raw) });
}

/** Signs the PIR for `result` and queues it as a pending notification, in `draft`. */
function queuePir(draft: EuiccState, identity: EuiccIdentity, o: { transactionId: Uint8Array; notificationAddress: string; smdpOid: string; iccid: string | undefined; result: FinalResult }): Uint8Array {
  const seqNumber = nextSeqNumber(draft);
  const iccid = o.iccid === undefined ? {} : { iccid: o.iccid };
  const pir = buildInstallResult(identity, { transactionId: o.transactionId, notificationAddress: o.notificationAddress, smdpOid: o.smdpOid, seqNumber, result: o.result, ...iccid });
  queueInstallResult(draft, { seqNumber, notificationAddress: o.notificationAddress, ...iccid }, pir);
  return pir;
}

function smdpOidOf(server: AuthenticatedServer, binding: DownloadBinding): string {
  return binding.dpPb.rspOid ?? server.dpOid;
}

/** Stores the PIR (and on success the profile) in one transaction; returns the BF37. */
async function finish(ctx: IsdrContext, load: BppLoad, server: AuthenticatedServer, binding: DownloadBinding, failure: BppFailure | undefined): Promise<Uint8Array> {
  const smdpOid = smdpOidOf(server, binding);
  try {
    return await ctx.store.transaction((draft) => {
      delete draft.loadInProgress;
      const iccid = load.iccid;
      const content = load.content;
      const aid = load.isdpAid;
      let result: FinalResult;
      if (failure === undefined && content !== undefined && aid !== undefined) {
        const record = load.profileRecord(content);
        // Re-checked inside the transaction: the state may have changed while the package streamed in.
        if (draft.profiles.some((p) => p.iccid === record.iccid)) {
          result = { kind: 'errorResult', value: { bppCommandId: 'storeMetadata', errorReason: 'installFailedDueToIccidAlreadyExistsOnEuicc' } };
        } else {
          draft.profiles.push(record);
          draft.freeMemory.nonVolatile -= profileFootprint(record);
          result = { kind: 'successResult', value: { aid, simaResponse: SIMA_OK } };
        }
      } else {
        result = { kind: 'errorResult', value: { bppCommandId: failure?.command ?? 'loadProfileElements', errorReason: failure?.reason ?? 'installFailedDueToUnknownError' } };
      }
      return queuePir(draft, ctx.identity, { transactionId: server.transactionId, notificationAddress: server.serverAddress, smdpOid, iccid, result });
    });
  } finally {
    ctx.rsp.clear();
  }
}

/**
 * Persists how far the load got, once BF23 is accepted and whenever the command or the ICCID changes
 * (a handful of writes per download, not one per segment).
 */
async function recordProgress(ctx: IsdrContext, load: BppLoad, server: AuthenticatedServer, binding: DownloadBinding): Promise<void> {
  if (!load.started) return;
  const record: LoadInProgressRecord = {
    transactionId: toHex(server.transactionId).toUpperCase(),
    smdpOid: smdpOidOf(server, binding),
    notificationAddress: server.serverAddress,
    bppCommandId: load.command,
    ...(load.iccid === undefined ? {} : { iccid: load.iccid }),
  };
  const current = ctx.store.state.loadInProgress;
  if (current !== undefined && JSON.stringify(current) === JSON.stringify(record)) return;
  await ctx.store.transaction((draft) => {
    draft.loadInProgress = record;
  });
}

/**
 * A load recorded in the state but no longer running in memory (reset, removal, process restart)
 * becomes a signed error PIR with reason interruption. Called before every ES10 request.
 */
export async function settleInterruptedLoad(ctx: IsdrContext): Promise<void> {
  if (ctx.store.state.loadInProgress === undefined || ctx.rsp.load !== undefined) return;
  await ctx.store.transaction((draft) => {
    const load = draft.loadInProgress;
    if (load === undefined) return;
    delete draft.loadInProgress;
    queuePir(draft, ctx.identity, {
      transactionId: fromHex(load.transactionId),
      notificationAddress: load.notificationAddress,
      smdpOid: load.smdpOid,
      iccid: load.iccid,
      result: { kind: 'errorResult', value: { bppCommandId: load.bppCommandId, errorReason: 'installFailedDueToInterruption' } },
    });
  });
}

export const loadBoundProfilePackage: HandlerRow = {
  name: 'ES10b.LoadBoundProfilePackage',
  tags: BPP_PIECE_TAGS,
  async handle(piece, ctx) {
    const rsp = ctx.rsp;
    if (piece[0] === 0xbf && piece[1] === 0x36) {
      if (rsp.server === undefined || rsp.binding === undefined) throw cardStatusError(SW.CONDITIONS_NOT_SATISFIED, 'LoadBoundProfilePackage without a prepared download session.');
      rsp.load = new BppLoad(rsp.server, rsp.binding, ctx.store.state.eid);
    }
    const { load, server, binding } = rsp;
    // No load: never started, or already ended with a BF37 (digest §1.6: 6A88).
    if (load === undefined || server === undefined || binding === undefined) throw cardStatusError(SW.REFERENCE_NOT_FOUND, 'No Bound Profile Package is being loaded.');
    try {
      load.consume(piece, ctx);
    } catch (err) {
      if (err instanceof BppFailure) return finish(ctx, load, server, binding, err);
      if (err instanceof WorkbenchError) return finish(ctx, load, server, binding, new BppFailure('loadProfileElements', 'installFailedDueToUnknownError', err.message));
      throw err;
    }
    if (load.complete) return finish(ctx, load, server, binding, undefined);
    await recordProgress(ctx, load, server, binding);
    return null;
  },
};
