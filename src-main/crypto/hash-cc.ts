/**
 * hashCc for PrepareDownload (digest §3.2 step 12): SHA-256(SHA-256(CC) ‖ transactionId).
 * The CC is hashed as UTF-8 text; the transactionId as its raw bytes (not the JSON hex string).
 */
import { createHash } from 'node:crypto';

export function computeHashCc(confirmationCode: string, transactionId: Uint8Array): Uint8Array {
  const inner = createHash('sha256').update(confirmationCode, 'utf8').digest();
  return new Uint8Array(createHash('sha256').update(inner).update(transactionId).digest());
}
