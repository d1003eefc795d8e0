/**
 * ES9+ (LPA ↔ SM-DP+) and ES11 (LPA ↔ SM-DS) over HTTPS with the JSON binding (SGP22-DIGEST §4).
 *
 * One client = one RSP session: it owns one keep-alive agent, so a download costs one TLS handshake.
 * Binary fields are Uint8Array in this API and base64 on the wire; transactionId stays the hex string
 * the server sent. A `Failed` header becomes ES9_FUNCTION_FAILED with the status-code table's message;
 * anything that is not a well-formed answer (network, non-2xx, non-JSON, no header) is
 * ES9_TRANSPORT_ERROR, retried with backoff only for functions that are safe to repeat.
 */
import axios from 'axios';
import type { AxiosResponse } from 'axios';
import { WorkbenchError, abortError, isWorkbenchError } from '../../shared/errors.js';
import { describeEs9Status } from './es9-status.js';
import { RspAgent } from './rsp-agent.js';
import type { RspAgentOptions, RspAgentStats } from './rsp-agent.js';
import { ANCHOR_NOT_FOR_HOST, CI_NOT_LISTED } from './tls-trust.js';

type FieldKind = 'base64' | 'hex' | 'eventEntries';

interface Es9FunctionSpec {
  readonly interface: 'es9plus' | 'es11';
  readonly name: string;
  /** Repeating it cannot change server state in a harmful way (digest §4; issue #5). */
  readonly safeToRetry: boolean;
  /** Success is HTTP 204 without body (handleNotification). */
  readonly noContent: boolean;
  readonly timeoutMs: number;
  readonly response: Readonly<Record<string, { kind: FieldKind; optional?: boolean }>>;
}

/** InitiateAuthentication is the same function on ES9+ (SM-DP+) and ES11 (SM-DS). */
const INITIATE_AUTHENTICATION = {
  name: 'initiateAuthentication',
  safeToRetry: true,
  noContent: false,
  timeoutMs: 30_000,
  response: {
    transactionId: { kind: 'hex' },
    serverSigned1: { kind: 'base64' },
    serverSignature1: { kind: 'base64' },
    euiccCiPKIdToBeUsed: { kind: 'base64' },
    serverCertificate: { kind: 'base64' },
  },
} as const;

/** The functions as data; adding one is adding a row (plus a typed wrapper below). */
export const ES9_FUNCTIONS = {
  initiateAuthentication: { interface: 'es9plus', ...INITIATE_AUTHENTICATION },
  authenticateClient: {
    interface: 'es9plus',
    name: 'authenticateClient',
    safeToRetry: false,
    noContent: false,
    timeoutMs: 30_000,
    response: {
      transactionId: { kind: 'hex' },
      profileMetadata: { kind: 'base64' },
      smdpSigned2: { kind: 'base64' },
      smdpSignature2: { kind: 'base64' },
      smdpCertificate: { kind: 'base64' },
    },
  },
  getBoundProfilePackage: {
    interface: 'es9plus',
    name: 'getBoundProfilePackage',
    safeToRetry: false,
    noContent: false,
    timeoutMs: 120_000,
    response: { transactionId: { kind: 'hex', optional: true }, boundProfilePackage: { kind: 'base64' } },
  },
  handleNotification: { interface: 'es9plus', name: 'handleNotification', safeToRetry: true, noContent: true, timeoutMs: 20_000, response: {} },
  cancelSession: { interface: 'es9plus', name: 'cancelSession', safeToRetry: false, noContent: false, timeoutMs: 20_000, response: {} },
  es11InitiateAuthentication: { interface: 'es11', ...INITIATE_AUTHENTICATION },
  es11AuthenticateClient: {
    interface: 'es11',
    name: 'authenticateClient',
    safeToRetry: false,
    noContent: false,
    timeoutMs: 30_000,
    response: { transactionId: { kind: 'hex', optional: true }, eventEntries: { kind: 'eventEntries' } },
  },
} as const satisfies Record<string, Es9FunctionSpec>;

export type Es9FunctionKey = keyof typeof ES9_FUNCTIONS;

export const DEFAULT_ADMIN_PROTOCOL = 'gsma/rsp/v2.2.0';
export const LPA_USER_AGENT = 'gsma-rsp-lpad';

/** One HTTP exchange, for the HTTP log and benchmarks. */
export interface Es9Exchange {
  readonly function: Es9FunctionKey;
  readonly url: string;
  readonly attempt: number;
  readonly httpStatus?: number;
  readonly durationMs: number;
  readonly requestBytes: number;
  readonly responseBytes: number;
  readonly errorCode?: string;
}

export interface RetryPolicy {
  /** Total attempts for safe functions (1 = no retry). */
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export interface Es9ClientOptions extends RspAgentOptions {
  /** X-Admin-Protocol value; any `gsma/rsp/v2.*` is accepted by servers. */
  readonly adminProtocol?: string;
  /** Overrides every function's default timeout. */
  readonly timeoutMs?: number;
  readonly retry?: Partial<RetryPolicy>;
  /** Cancels in-flight requests and backoff waits. */
  readonly signal?: AbortSignal;
  readonly onExchange?: (exchange: Es9Exchange) => void;
  /** Warnings for the user (insecure mode, Executed-WithWarning); default: stderr. */
  readonly onWarning?: (message: string) => void;
}

/** Client settings of a session (trust, proxy, host overrides …); the CI list comes from the card. */
export type Es9Settings = Omit<Es9ClientOptions, 'ciPkIds' | 'signal'>;

export interface Es9CallOptions {
  /** Overrides the client's signal for this call (clean-up calls after a cancel use a fresh one). */
  readonly signal?: AbortSignal;
}

export interface InitiateAuthenticationResult {
  readonly transactionId: string;
  readonly serverSigned1: Uint8Array;
  readonly serverSignature1: Uint8Array;
  readonly euiccCiPKIdToBeUsed: Uint8Array;
  readonly serverCertificate: Uint8Array;
}

export interface AuthenticateClientResult {
  readonly transactionId: string;
  readonly profileMetadata: Uint8Array;
  readonly smdpSigned2: Uint8Array;
  readonly smdpSignature2: Uint8Array;
  readonly smdpCertificate: Uint8Array;
}

export interface EventEntry {
  readonly eventId: string;
  readonly rspServerAddress: string;
}

const DEFAULT_RETRY: RetryPolicy = { attempts: 3, baseDelayMs: 400, maxDelayMs: 4_000 };

/** TLS failures as data: OpenSSL/Node code → our code, message, hint. Never retried. */
const TLS_FAILURES: readonly { codes: readonly string[]; code: string; message: string; hint: string }[] = [
  {
    codes: ['ERR_TLS_CERT_ALTNAME_INVALID'],
    code: 'ES9_TLS_NAME_MISMATCH',
    message: 'The server certificate is not issued for this server address.',
    hint: 'Check the SM-DP+ address in the activation code; a proxy or captive portal may be intercepting the connection.',
  },
  {
    codes: [CI_NOT_LISTED],
    code: 'ES9_TLS_UNTRUSTED',
    message: 'The server certificate chains to a CI this eUICC does not trust.',
    hint: 'Card and server belong to different PKIs (e.g. a test server with a production card).',
  },
  {
    codes: [ANCHOR_NOT_FOR_HOST],
    code: 'ES9_TLS_UNTRUSTED',
    message: 'The server certificate chains to a test CI that is trusted only for the local test servers.',
    hint: 'A real SM-DP+ must present a certificate from a GSMA CI; if this is your own lab server, add its CI to the trust folder of the data directory.',
  },
  {
    codes: ['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID'],
    code: 'ES9_TLS_UNTRUSTED',
    message: 'The server certificate is expired or not yet valid.',
    hint: 'Check the computer clock; if it is right, the server certificate must be renewed by its operator.',
  },
  {
    codes: [
      'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
      'UNABLE_TO_GET_ISSUER_CERT',
      'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
      'SELF_SIGNED_CERT_IN_CHAIN',
      'DEPTH_ZERO_SELF_SIGNED_CERT',
      'CERT_SIGNATURE_FAILURE',
      'CERT_UNTRUSTED',
      'CERT_REJECTED',
      'INVALID_CA',
      'INVALID_PURPOSE',
      'PATH_LENGTH_EXCEEDED',
      'CERT_CHAIN_TOO_LONG',
    ],
    code: 'ES9_TLS_UNTRUSTED',
    message: 'The server certificate is not issued by a trusted CI.',
    hint: 'Add the CI (root) certificate of this server to the trust directory (<data dir>/trust/), or check the SM-DP+ address.',
  },
];

/** Socket-level causes, for hints. Codes not listed are still transport errors. */
const NETWORK_HINTS: Readonly<Record<string, string>> = {
  ENOTFOUND: 'The server name does not resolve: check the address and the DNS / network connection.',
  EAI_AGAIN: 'DNS is not answering: check the network connection.',
  ECONNREFUSED: 'Nothing accepts connections at this address: check the address and port.',
  ETIMEDOUT: 'The server did not answer in time: check the network connection and retry.',
  ECONNABORTED: 'The server did not answer in time: check the network connection and retry.',
  ECONNRESET: 'The connection was dropped: check the network connection and retry.',
  EWB_PROXY_REFUSED: 'The proxy refused the connection: check the proxy settings.',
};

function errorCodeOf(err: unknown): string | undefined {
  let e: unknown = err;
  for (let depth = 0; depth < 4 && e !== null && typeof e === 'object'; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code !== 'ERR_BAD_RESPONSE' && code !== 'ERR_NETWORK') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return typeof (err as { code?: unknown }).code === 'string' ? (err as { code: string }).code : undefined;
}

function abortableDelay(ms: number, signal: AbortSignal | undefined, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(what));
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortError(what));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function base64Of(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

export class Es9Client {
  readonly #options: Es9ClientOptions;
  readonly #agent: RspAgent;
  readonly #retry: RetryPolicy;
  /** Which path family the SM-DS answered on, per address (digest §4.1: es11, else es9plus on 404). */
  readonly #es11Paths = new Map<string, 'es11' | 'es9plus'>();
  /** HTTP requests sent (including retries). */
  requests = 0;

  constructor(options: Es9ClientOptions) {
    this.#options = options;
    this.#agent = new RspAgent(options);
    this.#retry = { ...DEFAULT_RETRY, ...options.retry };
    if (options.insecure) this.#warn('TLS certificate checks are OFF for this session (insecure mode): the SM-DP+ identity is not verified.');
  }

  get tls(): Readonly<RspAgentStats> {
    return this.#agent.stats;
  }

  /** Closes the keep-alive connection. */
  close(): void {
    this.#agent.destroy();
  }

  async initiateAuthentication(smdpAddress: string, euiccChallenge: Uint8Array, euiccInfo1: Uint8Array, opts: Es9CallOptions = {}): Promise<InitiateAuthenticationResult> {
    const r = await this.#call('initiateAuthentication', smdpAddress, { smdpAddress, euiccChallenge: base64Of(euiccChallenge), euiccInfo1: base64Of(euiccInfo1) }, opts);
    return r as unknown as InitiateAuthenticationResult;
  }

  async authenticateClient(smdpAddress: string, transactionId: string, authenticateServerResponse: Uint8Array, opts: Es9CallOptions = {}): Promise<AuthenticateClientResult> {
    const r = await this.#call('authenticateClient', smdpAddress, { transactionId, authenticateServerResponse: base64Of(authenticateServerResponse) }, opts);
    return r as unknown as AuthenticateClientResult;
  }

  async getBoundProfilePackage(smdpAddress: string, transactionId: string, prepareDownloadResponse: Uint8Array, opts: Es9CallOptions = {}): Promise<Uint8Array> {
    const r = await this.#call('getBoundProfilePackage', smdpAddress, { transactionId, prepareDownloadResponse: base64Of(prepareDownloadResponse) }, opts);
    return r['boundProfilePackage'] as Uint8Array;
  }

  /** Resolves when the server accepted the notification (HTTP 204). */
  async handleNotification(address: string, pendingNotification: Uint8Array, opts: Es9CallOptions = {}): Promise<void> {
    await this.#call('handleNotification', address, { pendingNotification: base64Of(pendingNotification) }, opts);
  }

  async cancelSession(smdpAddress: string, transactionId: string, cancelSessionResponse: Uint8Array, opts: Es9CallOptions = {}): Promise<void> {
    await this.#call('cancelSession', smdpAddress, { transactionId, cancelSessionResponse: base64Of(cancelSessionResponse) }, opts);
  }

  async es11InitiateAuthentication(smdsAddress: string, euiccChallenge: Uint8Array, euiccInfo1: Uint8Array, opts: Es9CallOptions = {}): Promise<InitiateAuthenticationResult> {
    const r = await this.#call('es11InitiateAuthentication', smdsAddress, { smdsAddress, euiccChallenge: base64Of(euiccChallenge), euiccInfo1: base64Of(euiccInfo1) }, opts);
    return r as unknown as InitiateAuthenticationResult;
  }

  async es11AuthenticateClient(smdsAddress: string, transactionId: string, authenticateServerResponse: Uint8Array, opts: Es9CallOptions = {}): Promise<{ transactionId?: string; eventEntries: EventEntry[] }> {
    const r = await this.#call('es11AuthenticateClient', smdsAddress, { transactionId, authenticateServerResponse: base64Of(authenticateServerResponse) }, opts);
    return r as unknown as { transactionId?: string; eventEntries: EventEntry[] };
  }

  #warn(message: string): void {
    (this.#options.onWarning ?? ((m: string) => console.warn(`[ewb rsp] WARNING: ${m}`)))(message);
  }

  async #call(key: Es9FunctionKey, address: string, body: Record<string, string>, opts: Es9CallOptions): Promise<Record<string, unknown>> {
    const spec: Es9FunctionSpec = ES9_FUNCTIONS[key];
    const signal = opts.signal ?? this.#options.signal;
    const attempts = spec.safeToRetry ? Math.max(1, this.#retry.attempts) : 1;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#once(key, spec, address, body, attempt, signal);
      } catch (err) {
        const retryable = isWorkbenchError(err, 'ES9_TRANSPORT_ERROR') && err.details['retryable'] === true;
        if (!retryable || attempt >= attempts) throw err;
        const delay = Math.min(this.#retry.maxDelayMs, this.#retry.baseDelayMs * 2 ** (attempt - 1));
        await abortableDelay(delay, signal, `${spec.name} retry`);
      }
    }
  }

  #url(spec: Es9FunctionSpec, address: string): { url: string; family: 'es9plus' | 'es11' } {
    const family = spec.interface === 'es11' ? (this.#es11Paths.get(address) ?? 'es11') : 'es9plus';
    return { url: `https://${address}/gsma/rsp2/${family}/${spec.name}`, family };
  }

  async #once(key: Es9FunctionKey, spec: Es9FunctionSpec, address: string, body: Record<string, string>, attempt: number, signal: AbortSignal | undefined): Promise<Record<string, unknown>> {
    if (signal?.aborted) throw abortError(spec.name);
    let { url, family } = this.#url(spec, address);
    let response = await this.#post(key, spec, url, body, attempt, signal);
    if (spec.interface === 'es11' && family === 'es11' && response.status === 404) {
      // Some SM-DS serve discovery on the es9plus paths with smdpAddress (lpac style).
      family = 'es9plus';
      this.#es11Paths.set(address, family);
      url = `https://${address}/gsma/rsp2/es9plus/${spec.name}`;
      const { smdsAddress, ...rest } = body;
      response = await this.#post(key, spec, url, smdsAddress !== undefined ? { ...rest, smdpAddress: smdsAddress } : rest, attempt, signal);
    } else if (spec.interface === 'es11') {
      this.#es11Paths.set(address, family);
    }
    return this.#interpret(spec, url, response);
  }

  async #post(key: Es9FunctionKey, spec: Es9FunctionSpec, url: string, body: Record<string, string>, attempt: number, signal: AbortSignal | undefined): Promise<AxiosResponse<string>> {
    const json = JSON.stringify(body);
    const started = performance.now();
    this.requests++;
    try {
      const response = await axios.post<string>(url, json, {
        httpsAgent: this.#agent,
        proxy: false, // the agent tunnels through proxies itself
        maxRedirects: 0,
        timeout: this.#options.timeoutMs ?? spec.timeoutMs,
        responseType: 'text',
        transformResponse: (data: unknown) => data,
        validateStatus: () => true,
        headers: {
          'Content-Type': 'application/json;charset=UTF-8',
          Accept: 'application/json',
          'X-Admin-Protocol': this.#options.adminProtocol ?? DEFAULT_ADMIN_PROTOCOL,
          'User-Agent': LPA_USER_AGENT,
        },
        ...(signal ? { signal } : {}),
      });
      this.#options.onExchange?.({
        function: key,
        url,
        attempt,
        httpStatus: response.status,
        durationMs: performance.now() - started,
        requestBytes: Buffer.byteLength(json),
        responseBytes: typeof response.data === 'string' ? Buffer.byteLength(response.data) : 0,
      });
      return response;
    } catch (err) {
      const mapped = this.#transportFailure(spec, url, err, signal);
      this.#options.onExchange?.({ function: key, url, attempt, durationMs: performance.now() - started, requestBytes: Buffer.byteLength(json), responseBytes: 0, errorCode: mapped.code });
      throw mapped;
    }
  }

  #transportFailure(spec: Es9FunctionSpec, url: string, err: unknown, signal: AbortSignal | undefined): WorkbenchError {
    if (signal?.aborted || axios.isCancel(err)) return abortError(spec.name);
    const cause = errorCodeOf(err);
    const tlsRow = cause === undefined ? undefined : TLS_FAILURES.find((r) => r.codes.includes(cause));
    const causeText = err instanceof Error ? err.message : String(err);
    if (tlsRow) {
      return new WorkbenchError(tlsRow.code, `${tlsRow.message} (${causeText})`, tlsRow.hint, { cause: err, details: { function: spec.name, url, tlsError: cause } });
    }
    return new WorkbenchError('ES9_TRANSPORT_ERROR', `${spec.name} to ${url} failed: ${causeText}.`, NETWORK_HINTS[cause ?? ''] ?? 'Check the network connection and the server address, then retry.', {
      cause: err,
      details: { function: spec.name, url, networkError: cause, retryable: true },
    });
  }

  #protocolFailure(spec: Es9FunctionSpec, url: string, problem: string, details: Record<string, unknown>, retryable: boolean): WorkbenchError {
    return new WorkbenchError('ES9_TRANSPORT_ERROR', `${spec.name} to ${url}: ${problem}.`, 'The server (or a proxy in between) did not answer with a valid ES9+ response; retry later or check the address.', {
      details: { function: spec.name, url, retryable, ...details },
    });
  }

  #interpret(spec: Es9FunctionSpec, url: string, response: AxiosResponse<string>): Record<string, unknown> {
    const status = response.status;
    const text = typeof response.data === 'string' ? response.data : '';
    if (status < 200 || status > 299) {
      throw this.#protocolFailure(spec, url, `HTTP ${status}`, { httpStatus: status, body: text.slice(0, 200) }, status >= 500 || status === 408 || status === 429);
    }
    if (spec.noContent && (status === 204 || text.trim() === '')) return {};
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw this.#protocolFailure(spec, url, 'the response is not JSON', { httpStatus: status, body: text.slice(0, 200) }, true);
    }
    const header = (json as { header?: { functionExecutionStatus?: { status?: unknown; statusCodeData?: Record<string, unknown> } } } | null)?.header;
    const execution = header?.functionExecutionStatus;
    if (typeof execution?.status !== 'string') {
      throw this.#protocolFailure(spec, url, 'the response has no header.functionExecutionStatus', { httpStatus: status }, true);
    }
    if (execution.status !== 'Executed-Success' && execution.status !== 'Executed-WithWarning') {
      const data = execution.statusCodeData ?? {};
      const subjectCode = String(data['subjectCode'] ?? '');
      const reasonCode = String(data['reasonCode'] ?? '');
      const { message, hint } = describeEs9Status(subjectCode, reasonCode);
      const serverMessage = typeof data['message'] === 'string' ? data['message'] : undefined;
      throw new WorkbenchError('ES9_FUNCTION_FAILED', `${message} (${spec.name}: ${execution.status} ${subjectCode}/${reasonCode}${serverMessage ? `, "${serverMessage}"` : ''})`, hint, {
        details: {
          function: spec.name,
          status: execution.status,
          subjectCode,
          reasonCode,
          ...(data['subjectIdentifier'] !== undefined ? { subjectIdentifier: String(data['subjectIdentifier']) } : {}),
          ...(serverMessage !== undefined ? { serverMessage } : {}),
        },
      });
    }
    if (execution.status === 'Executed-WithWarning') {
      const data = execution.statusCodeData ?? {};
      this.#warn(`${spec.name}: the server reported a warning (${String(data['subjectCode'] ?? '?')}/${String(data['reasonCode'] ?? '?')}).`);
    }
    return this.#fields(spec, url, json as Record<string, unknown>);
  }

  #fields(spec: Es9FunctionSpec, url: string, json: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [name, { kind, optional }] of Object.entries(spec.response)) {
      const value = json[name];
      if (value === undefined || value === null) {
        if (optional) continue;
        throw this.#protocolFailure(spec, url, `the mandatory field "${name}" is missing`, { field: name }, false);
      }
      out[name] = this.#decodeField(spec, url, name, kind, value);
    }
    return out;
  }

  #decodeField(spec: Es9FunctionSpec, url: string, name: string, kind: FieldKind, value: unknown): unknown {
    const bad = (what: string): WorkbenchError => this.#protocolFailure(spec, url, `field "${name}" is not ${what}`, { field: name }, false);
    switch (kind) {
      case 'base64': {
        if (typeof value !== 'string') throw bad('a base64 string');
        const clean = value.replace(/\s+/g, ''); // servers wrap base64 lines
        if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean) || clean.length % 4 === 1) throw bad('valid base64');
        return new Uint8Array(Buffer.from(clean, 'base64'));
      }
      case 'hex':
        if (typeof value !== 'string' || !/^([0-9A-Fa-f]{2})+$/.test(value)) throw bad('a hex string');
        return value;
      case 'eventEntries': {
        if (!Array.isArray(value)) throw bad('a list');
        return value.map((entry: unknown) => {
          const e = entry as { eventId?: unknown; rspServerAddress?: unknown } | null;
          if (typeof e?.eventId !== 'string' || typeof e.rspServerAddress !== 'string') throw bad('a list of {eventId, rspServerAddress}');
          return { eventId: e.eventId, rspServerAddress: e.rspServerAddress };
        });
      }
    }
  }
}
