/**
 * System-test plumbing for the PC/SC transport: the real pcscd (started by sim-pcscd.ts) with
 * vsmartcard's vpcd driver, which serves two readers, each on its own TCP port; a virtual card
 * "inserted" into one of them through VpcdClient.
 */
import { VpcdClient } from '../../src-main/sim/vpcd/vpcd-client.js';
import { VPCD_DEFAULT_PORT } from '../../src-main/sim/vpcd/vpcd-protocol.js';
import type { VirtualCard } from '../../src-main/sim/card/virtual-card.js';

/** The readers the stock /etc/reader.conf.d/vpcd gives, with the port each listens on. */
export const VPCD_SLOTS = [
  { reader: 'Virtual PCD 00 00', port: VPCD_DEFAULT_PORT },
  { reader: 'Virtual PCD 00 01', port: VPCD_DEFAULT_PORT + 1 },
] as const;

/** Connects `card` to vpcd slot `slot`; resolves once pcscd accepted the connection. */
export async function insertIntoVpcd(card: VirtualCard, slot: 0 | 1): Promise<VpcdClient> {
  const client = new VpcdClient({ card, port: VPCD_SLOTS[slot].port, initialDelayMs: 50, maxDelayMs: 500 });
  client.start();
  await client.whenConnected(AbortSignal.timeout(15_000));
  return client;
}
