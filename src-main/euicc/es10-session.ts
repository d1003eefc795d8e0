/**
 * ES10 sessions on a card: open the ISD-R on a logical channel, hand out an Es10Client, close the
 * channel whatever happens. The client owns its channel (it replaces it after a profile switch with
 * refresh), so the scope closes the client rather than one fixed channel — the same always-close rule
 * as CardSession.withLogicalChannel.
 */
import type { CardSession } from '../card/card-session.js';
import { Es10Client } from './es10-client.js';
import { openIsdrChannel } from './isdr.js';
import type { IsdrOptions } from './isdr.js';

export type Es10SessionOptions = IsdrOptions;

/**
 * Opens the ISD-R (TERMINAL CAPABILITY, MANAGE CHANNEL, SELECT) and returns a client that reopens it
 * by itself after a refresh. The caller must `close()` it; prefer {@link withEs10}.
 * Throws ES10_NO_ISDR when the card has no ISD-R at the AID.
 */
export async function openEs10(session: CardSession, opts: Es10SessionOptions = {}): Promise<Es10Client> {
  const opened = await openIsdrChannel(session, opts);
  return new Es10Client(opened, {
    signal: opts.signal,
    reopen: (signal) => openIsdrChannel(session, { ...opts, signal: signal ?? opts.signal }),
  });
}

/** Runs `fn` with an ES10 client; the ISD-R channel is closed on return, on error and on abort. */
export async function withEs10<T>(session: CardSession, fn: (client: Es10Client) => Promise<T>, opts: Es10SessionOptions = {}): Promise<T> {
  const client = await openEs10(session, opts);
  let result: T;
  try {
    result = await fn(client);
  } catch (err) {
    await client.close().catch(() => undefined); // the first failure is the one to report
    throw err;
  }
  await client.close();
  return result;
}
