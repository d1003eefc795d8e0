/**
 * Linux abstract unix sockets (`@qmi-proxy`, `@mbim-proxy`) reached through Debian's `socat`.
 *
 * Why socat: Node 20's `net` pads an abstract address ('\0name') to the full sockaddr_un size, so it
 * binds and connects to "name\0\0\0…", which is not the name libqmi/libmbim use (exact length) —
 * connecting to the real qmi-proxy fails with ECONNREFUSED. socat uses the exact length. The socat
 * process relays bytes between its stdin/stdout and the socket; its `-d -d` notices tell us when the
 * connection is up or why it failed.
 */
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { WorkbenchError, abortError } from '../../shared/errors.js';
import { QmuxLinkBase } from './qmux-link.js';

export const SOCAT_BINARY = 'socat';

function socatMissing(err: unknown): WorkbenchError {
  return new WorkbenchError('SOCAT_MISSING', 'socat is not installed; it is needed to reach qmi-proxy/mbim-proxy sockets.', 'Install it: `apt-get install socat`.', { cause: err });
}

export class AbstractSocketLink extends QmuxLinkBase {

  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    readonly description: string,
    readonly proxyDevicePath: string | undefined,
    private stderr: { text: string },
  ) {
    super();
    child.stdout.on('data', (chunk: Buffer) => this.dataHandler(new Uint8Array(chunk)));
    child.on('exit', () => {
      if (this.closed) return;
      this.closed = true;
      this.closeHandler(new WorkbenchError('QMI_LINK_CLOSED', `${description} closed the connection.`, 'Check that the proxy is still running, then reopen.', { details: { socat: this.stderr.text.slice(-500) } }));
    });
  }

  /**
   * Connects to the abstract socket `name`. `unavailable` builds the error for "nobody listens"
   * (the caller knows which proxy that is and how to start it).
   */
  static connect(
    name: string,
    options: { description: string; proxyDevicePath?: string; unavailable: (detail: string) => WorkbenchError; signal?: AbortSignal },
  ): Promise<AbstractSocketLink> {
    return new Promise((resolve, reject) => {
      if (options.signal?.aborted) {
        reject(abortError(`Connecting to @${name}`));
        return;
      }
      const child = spawn(SOCAT_BINARY, ['-d', '-d', '-b', '65536', 'STDIO', `ABSTRACT-CONNECT:${name}`], { stdio: ['pipe', 'pipe', 'pipe'] });
      const stderr = { text: '' };
      let settled = false;
      const settle = (fn: () => void): void => {
        if (settled) return;
        settled = true;
        options.signal?.removeEventListener('abort', onAbort);
        fn();
      };
      const onAbort = (): void => settle(() => {
        child.kill();
        reject(abortError(`Connecting to @${name}`));
      });
      options.signal?.addEventListener('abort', onAbort, { once: true });
      child.on('error', (err: NodeJS.ErrnoException) => settle(() => reject(err.code === 'ENOENT' ? socatMissing(err) : err)));
      child.stderr.on('data', (d: Buffer) => {
        stderr.text += d.toString();
        if (/successfully connected/.test(stderr.text)) {
          settle(() => resolve(new AbstractSocketLink(child, options.description, options.proxyDevicePath, stderr)));
        } else if (/Permission denied/.test(stderr.text)) {
          settle(() =>
            reject(new WorkbenchError('QMI_PROXY_CONNECT', `Not allowed to connect to @${name}.`, 'The proxy accepts root (or a configured user/group) only: run as root or ask for access.', { details: { socat: stderr.text.slice(-500) } })),
          );
        }
      });
      child.on('exit', () => settle(() => reject(options.unavailable(stderr.text.split('\n').find((l) => / E /.test(l)) ?? 'socat exited'))));
    });
  }

  write(message: Uint8Array): Promise<void> {
    if (this.closed) return Promise.reject(this.closedError());
    return new Promise((resolve, reject) => {
      this.child.stdin.write(message, (err) => (err ? reject(new WorkbenchError('QMI_LINK_WRITE', `Writing to ${this.description} failed: ${err.message}.`, 'Reopen the modem.', { cause: err })) : resolve()));
    });
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    if (this.child.exitCode !== null || this.child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      this.child.once('exit', () => resolve());
      this.child.kill('SIGTERM');
    });
  }
}
