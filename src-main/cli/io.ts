import type { Readable, Writable } from 'node:stream';

/** The streams a CLI run uses; tests pass their own. */
export interface CliIo {
  readonly stdin: Readable;
  readonly stdout: Writable;
  readonly stderr: Writable;
}

/**
 * Exit codes of `ewb` (documented in the README):
 * 0 success · 1 the operation failed (card, server or input said no) · 2 usage error ·
 * 3 no usable device or transport · 130 cancelled (Ctrl-C).
 */
export const EXIT = { ok: 0, failed: 1, usage: 2, noDevice: 3, cancelled: 130 } as const;

export async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

export function writeLine(stream: Writable, text = ''): void {
  stream.write(`${text}\n`);
}
