/**
 * Download orders of the test SM-DP+: a matching ID (or an EID for default-SM-DP+/SM-DS downloads),
 * the SAIP package and its metadata, an optional confirmation code with a retry limit, and a state
 * (released → inProgress → downloaded → installed | failed). Orders are one-time use; a cancelled
 * session returns its order to `released`. Optionally persisted as JSON.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { WorkbenchError } from '../../../shared/errors.js';
import { writeFileAtomicSync } from '../../links/durable-file.js';
import { buildProfilePackage, parseProfilePackage } from '../../codec/saip/index.js';
import type { ProfilePackageOptions } from '../../codec/saip/index.js';

export type OrderState = 'released' | 'inProgress' | 'downloaded' | 'installed' | 'failed';
export type NotificationEventName = 'install' | 'enable' | 'disable' | 'delete';

export interface ProfileMetadataInput {
  /** Default: the SPN of the package. */
  serviceProviderName?: string;
  /** Default: the package's profileType, else "<SPN> profile". */
  profileName?: string;
  profileClass?: 'test' | 'provisioning' | 'operational';
  iconType?: 'jpg' | 'png';
  icon?: Uint8Array;
  pprs?: ('pprUpdateControl' | 'ppr1' | 'ppr2')[];
  /** Default: enable/disable/delete to the address the LPA used for this SM-DP+. */
  notificationConfigurationInfo?: { events: NotificationEventName[]; address: string }[];
  profileOwner?: { mccMnc: string; gid1?: Uint8Array; gid2?: Uint8Array };
}

export interface DownloadOrderInput {
  /** AC_Token; '' for a download without matching ID (default SM-DP+ / SM-DS event), then `eid` is required. */
  matchingId: string;
  /** Only this eUICC may download the order. */
  eid?: string;
  confirmationCode?: string;
  /** Wrong confirmation codes accepted before the order is blocked; default 3. */
  ccRetryLimit?: number;
  /** One of: a ready package, a file (relative to profilesDir), or options to build one. */
  profilePackage?: Uint8Array;
  profileFile?: string;
  profile?: ProfilePackageOptions;
  metadata?: ProfileMetadataInput;
}

/** Public view of an order (the confirmation code is never exposed). */
export interface DownloadOrder {
  matchingId: string;
  eid?: string;
  iccid: string;
  state: OrderState;
  confirmationCodeRequired: boolean;
  ccAttemptsLeft: number;
  profileSize: number;
  metadata: ProfileMetadataInput;
  /** Transitions with ISO timestamps, oldest first. */
  history: { at: string; state: OrderState; note?: string }[];
}

export interface OrderRecord extends DownloadOrder {
  confirmationCode?: string;
  profilePackage: Uint8Array;
  /** Package values the metadata defaults come from. */
  spn: string;
  profileType?: string;
}

function orderError(message: string, hint: string, details: Record<string, unknown> = {}): WorkbenchError {
  return new WorkbenchError('SMDP_ORDER_INVALID', message, hint, { details });
}

interface PersistedOrder extends Omit<OrderRecord, 'profilePackage' | 'metadata'> {
  profilePackage: string;
  metadata: Omit<ProfileMetadataInput, 'icon' | 'profileOwner'> & { icon?: string; profileOwner?: { mccMnc: string; gid1?: string; gid2?: string } };
}

const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64');
const unb64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64'));

export class OrderStore {
  private readonly orders: OrderRecord[] = [];

  constructor(private readonly options: { profilesDir?: string; stateFile?: string } = {}) {
    if (options.stateFile !== undefined) this.load(options.stateFile);
  }

  /** Adds an order; the package is resolved (and parsed, to learn its ICCID) now, so mistakes show at once. */
  add(input: DownloadOrderInput): DownloadOrder {
    const key = input.matchingId === '' ? input.eid : input.matchingId;
    if (key === undefined) throw orderError('An order without matching ID needs an EID.', 'Give `eid` (default SM-DP+ / SM-DS downloads are found by EID).');
    if (input.eid !== undefined && !/^[0-9A-Fa-f]{32}$/.test(input.eid)) throw orderError(`EID '${input.eid}' is not 32 digits.`, 'Use the EID as GetEID reports it.');
    if (this.orders.some((o) => o.matchingId === input.matchingId && o.matchingId !== '' && o.state === 'released')) {
      throw orderError(`An order with matching ID '${input.matchingId}' is already released.`, 'Matching IDs identify one order; pick another one.', { matchingId: input.matchingId });
    }
    const profilePackage = this.resolvePackage(input);
    const parsed = parseProfilePackage(profilePackage);
    const now = new Date().toISOString();
    const record: OrderRecord = {
      matchingId: input.matchingId,
      ...(input.eid !== undefined ? { eid: input.eid.toUpperCase() } : {}),
      iccid: parsed.header.iccid,
      state: 'released',
      confirmationCodeRequired: input.confirmationCode !== undefined,
      ccAttemptsLeft: input.ccRetryLimit ?? 3,
      profileSize: profilePackage.length,
      metadata: input.metadata ?? {},
      history: [{ at: now, state: 'released' }],
      ...(input.confirmationCode !== undefined ? { confirmationCode: input.confirmationCode } : {}),
      profilePackage,
      spn: parsed.decoded.spn ?? 'Test SM-DP+',
      ...(parsed.header.profileType !== undefined ? { profileType: parsed.header.profileType } : {}),
    };
    this.orders.push(record);
    this.save();
    return publicView(record);
  }

  list(): DownloadOrder[] {
    return this.orders.map(publicView);
  }

  /** The newest order with this matching ID. */
  get(matchingId: string): DownloadOrder | undefined {
    const o = this.findRecord(matchingId);
    return o && publicView(o);
  }

  /** Internal: the newest order record for a matching ID (released ones first). */
  findRecord(matchingId: string): OrderRecord | undefined {
    const all = this.orders.filter((o) => o.matchingId === matchingId);
    return all.find((o) => o.state === 'released') ?? all[all.length - 1];
  }

  /** Internal: a released order without matching ID for this EID. */
  findByEid(eid: string): OrderRecord | undefined {
    return this.orders.find((o) => o.matchingId === '' && o.eid === eid.toUpperCase() && o.state === 'released');
  }

  setState(order: OrderRecord, state: OrderState, note?: string): void {
    order.state = state;
    order.history.push({ at: new Date().toISOString(), state, ...(note !== undefined ? { note } : {}) });
    this.save();
  }

  /** Records a wrong confirmation code; returns the attempts left. */
  spendCcAttempt(order: OrderRecord): number {
    order.ccAttemptsLeft = Math.max(0, order.ccAttemptsLeft - 1);
    this.save();
    return order.ccAttemptsLeft;
  }

  private resolvePackage(input: DownloadOrderInput): Uint8Array {
    const given = [input.profilePackage, input.profileFile, input.profile].filter((v) => v !== undefined).length;
    if (given !== 1) throw orderError('An order needs exactly one of profilePackage, profileFile or profile.', 'Give a SAIP package, a file name in the profiles directory, or build options.');
    if (input.profilePackage) return input.profilePackage;
    if (input.profile) return buildProfilePackage(input.profile);
    const file = path.resolve(this.options.profilesDir ?? '.', input.profileFile ?? '');
    try {
      return new Uint8Array(readFileSync(file));
    } catch (err) {
      throw new WorkbenchError('SMDP_PROFILE_NOT_FOUND', `Cannot read the profile package ${file}.`, 'Create it with `ewb sim make-profile` or check the profiles directory.', { details: { file }, cause: err });
    }
  }

  private save(): void {
    const file = this.options.stateFile;
    if (file === undefined) return;
    const persisted: PersistedOrder[] = this.orders.map((o) => {
      const { icon, profileOwner, ...meta } = o.metadata;
      return {
        ...o,
        profilePackage: b64(o.profilePackage),
        metadata: {
          ...meta,
          ...(icon ? { icon: b64(icon) } : {}),
          ...(profileOwner
            ? { profileOwner: { mccMnc: profileOwner.mccMnc, ...(profileOwner.gid1 ? { gid1: b64(profileOwner.gid1) } : {}), ...(profileOwner.gid2 ? { gid2: b64(profileOwner.gid2) } : {}) } }
            : {}),
        },
      };
    });
    writeFileAtomicSync(file, JSON.stringify({ version: 1, orders: persisted }, null, 2));
  }

  private load(file: string): void {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return; // first start: no state yet
    }
    let data: { orders?: PersistedOrder[] };
    try {
      data = JSON.parse(text) as { orders?: PersistedOrder[] };
    } catch (err) {
      throw new WorkbenchError('SMDP_STATE_INVALID', `The SM-DP+ state file ${file} is not valid JSON.`, 'Delete it to start with no orders.', { details: { file }, cause: err });
    }
    for (const p of data.orders ?? []) {
      const { icon, profileOwner, ...meta } = p.metadata;
      this.orders.push({
        ...p,
        profilePackage: unb64(p.profilePackage),
        metadata: {
          ...meta,
          ...(icon !== undefined ? { icon: unb64(icon) } : {}),
          ...(profileOwner
            ? { profileOwner: { mccMnc: profileOwner.mccMnc, ...(profileOwner.gid1 ? { gid1: unb64(profileOwner.gid1) } : {}), ...(profileOwner.gid2 ? { gid2: unb64(profileOwner.gid2) } : {}) } }
            : {}),
        },
      });
    }
  }
}

function publicView(o: OrderRecord): DownloadOrder {
  return {
    matchingId: o.matchingId,
    ...(o.eid !== undefined ? { eid: o.eid } : {}),
    iccid: o.iccid,
    state: o.state,
    confirmationCodeRequired: o.confirmationCodeRequired,
    ccAttemptsLeft: o.ccAttemptsLeft,
    profileSize: o.profileSize,
    metadata: o.metadata,
    history: o.history.map((h) => ({ ...h })),
  };
}
