/**
 * The test SM-DS (SGP22-DIGEST §7): ES11 initiateAuthentication / authenticateClient with CERT.DSauth,
 * answering the event entries registered for the authenticated EID. Served on the es11 paths and,
 * because lpac's discovery uses them, on the es9plus paths too.
 */
import { bytesEqual } from '../../../shared/hex.js';
import { findIssuingCi } from '../../crypto/index.js';
import type { PkiIdentity, RspPki } from '../../crypto/index.js';
import { WorkbenchError } from '../../../shared/errors.js';
import type { Es9Body } from './binding.js';
import { startEs9Server } from './es9-http.js';
import type { Es9Route, FaultSpec, HttpStats } from './es9-http.js';
import type { AuthenticateClientEs11Response, EventEntry, InitiateAuthenticationResponse } from './json.js';
import { base64Field, transactionIdField } from './json.js';
import { startAuthentication, verifyAuthenticateServerResponse } from './mutual-auth.js';
import type { AuthSession, ServerAddressRule } from './mutual-auth.js';
import { checkTlsHost, ES9PLUS_PATH } from './server.js';
import { Es9Failure, es9Failure, failedHeader, SUCCESS_HEADER } from './status.js';

export const ES11_PATH = '/gsma/rsp2/es11/';

export interface RegisteredEvent extends EventEntry {
  /** 32 hex digits. */
  eid: string;
}

export interface SmdsBindingOptions {
  pki: RspPki;
  host: string;
  port: number;
}

function noDsIdentity(): WorkbenchError {
  return new WorkbenchError('SMDS_NO_IDENTITY', 'The PKI has no SM-DS identities (CERT.DSauth / CERT.DS.TLS).', 'Use a generated test PKI (generateTestPki), which includes them; the SGP.26 directory does not.');
}

export class SmdsBinding {
  private readonly sessions = new Map<string, AuthSession>();
  private readonly events: RegisteredEvent[] = [];
  private readonly rule: ServerAddressRule;
  private readonly dsAuth: PkiIdentity;

  constructor(private readonly options: SmdsBindingOptions) {
    const ds = options.pki.ds;
    if (!ds) throw noDsIdentity();
    this.dsAuth = ds.auth;
    this.rule = { host: options.host, port: options.port, wrongAddress: 'smdsAddressInvalid' };
  }

  registerEvent(event: RegisteredEvent): void {
    this.events.push({ ...event, eid: event.eid.toUpperCase() });
  }

  removeEvent(eventId: string): boolean {
    const i = this.events.findIndex((e) => e.eventId === eventId);
    if (i >= 0) this.events.splice(i, 1);
    return i >= 0;
  }

  listEvents(eid?: string): RegisteredEvent[] {
    return this.events.filter((e) => eid === undefined || e.eid === eid.toUpperCase()).map((e) => ({ ...e }));
  }

  initiateAuthentication(body: Es9Body): InitiateAuthenticationResponse {
    try {
      const { session, response } = startAuthentication(body, this.rule, this.options.pki, (ids) => {
        for (const id of ids) {
          const ci = this.options.pki.ci.find((c) => bytesEqual(c.ski, id));
          if (ci && findIssuingCi(this.dsAuth.cert, [ci.cert])) return { ci, auth: this.dsAuth };
        }
        return undefined;
      });
      this.sessions.set(session.tid, session);
      return response;
    } catch (err) {
      if (err instanceof Es9Failure) return { header: failedHeader(err.status) };
      throw err;
    }
  }

  /** Verifies the eUICC and answers its events; the session ends either way. */
  authenticateClient(body: Es9Body): AuthenticateClientEs11Response {
    try {
      const { hex } = transactionIdField(body);
      const session = this.sessions.get(hex);
      if (!session) throw es9Failure('unknownTransactionId', hex);
      this.sessions.delete(hex);
      const euicc = verifyAuthenticateServerResponse(
        session,
        base64Field(body, 'authenticateServerResponse'),
        this.options.pki.ci.map((c) => c.cert),
      );
      return {
        header: SUCCESS_HEADER,
        transactionId: session.tid,
        eventEntries: this.listEvents(euicc.eid).map(({ eventId, rspServerAddress }) => ({ eventId, rspServerAddress })),
      };
    } catch (err) {
      if (err instanceof Es9Failure) return { header: failedHeader(err.status) };
      throw err;
    }
  }
}

export interface TestSmdsOptions {
  /** Needs `pki.ds` (generated PKIs have it). */
  pki: RspPki;
  /** Default the PKI's DS TLS host. */
  host?: string;
  listen?: { host?: string; port?: number };
  events?: RegisteredEvent[];
}

export interface TestSmds {
  readonly port: number;
  readonly host: string;
  readonly url: string;
  readonly events: { register(e: RegisteredEvent): void; remove(eventId: string): boolean; list(eid?: string): RegisteredEvent[] };
  readonly stats: HttpStats;
  injectFault(fault: FaultSpec & { function: 'initiateAuthentication' | 'authenticateClient' }): void;
  clearFaults(): void;
  close(): Promise<void>;
}

export async function startTestSmds(options: TestSmdsOptions): Promise<TestSmds> {
  const ds = options.pki.ds;
  if (!ds) throw noDsIdentity();
  const host = options.host ?? ds.tls.host;
  checkTlsHost(host, ds.tls.cert.dnsNames, 'SM-DS');
  const slot: { binding?: SmdsBinding } = {};
  const functions = ['initiateAuthentication', 'authenticateClient'] as const;
  const route = (name: (typeof functions)[number]): Es9Route => ({
    name,
    handler: (body) => {
      if (!slot.binding) throw new Error('SM-DS not ready');
      return slot.binding[name](body);
    },
  });
  const routes = Object.fromEntries(functions.flatMap((f) => [`${ES11_PATH}${f}`, `${ES9PLUS_PATH}${f}`].map((p) => [p, route(f)])));
  const listenHost = options.listen?.host ?? '127.0.0.1';
  const http = await startEs9Server({ tls: ds.tls, listen: { host: listenHost, port: options.listen?.port ?? 0 }, routes });
  const ready = new SmdsBinding({ pki: options.pki, host, port: http.port });
  slot.binding = ready;
  for (const e of options.events ?? []) ready.registerEvent(e);
  return {
    port: http.port,
    host,
    url: `https://${listenHost.includes(':') ? `[${listenHost}]` : listenHost}:${http.port}`,
    events: { register: (e) => ready.registerEvent(e), remove: (id) => ready.removeEvent(id), list: (eid) => ready.listEvents(eid) },
    stats: http.stats,
    injectFault: (f) => http.injectFault(f),
    clearFaults: () => http.clearFaults(),
    close: () => http.close(),
  };
}
