/**
 * STORE DATA framing of one complete request TLV (GlobalPlatform; SGP.22 §5.7.2, digest §1.4):
 * CLA proprietary on the channel, INS E2, P1 = 11 for every block but the last and 91 for the last,
 * P2 = block number from 00. Case 3 (no Le), as lpac and the digest's GetEID example send it.
 */
import { WorkbenchError } from '../../shared/errors.js';
import type { CommandApdu } from './apdu.js';
import { claForChannel } from './channels.js';

export const STORE_DATA_INS = 0xe2;
/** P1: more blocks follow; BER-TLV structure (b5b4 = 10), response data expected (b1). */
export const STORE_DATA_P1_MORE = 0x11;
/** P1: last block (b8 set). */
export const STORE_DATA_P1_LAST = 0x91;

/** Segment size limits: 255 = largest short Lc; below 6 lpac (and some cards) stop working. */
export const MIN_STORE_DATA_SEGMENT = 6;
export const MAX_STORE_DATA_SEGMENT = 255;
export const DEFAULT_STORE_DATA_SEGMENT = 255;
/** The setting for modems and readers that fail on long APDUs (lpac's default). */
export const COMPATIBILITY_STORE_DATA_SEGMENT = 120;

/** Throws CARD_OPTION_INVALID unless `size` is a whole number in 6–255. */
export function checkStoreDataSegmentSize(size: number): void {
  if (!Number.isInteger(size) || size < MIN_STORE_DATA_SEGMENT || size > MAX_STORE_DATA_SEGMENT) {
    throw new WorkbenchError('CARD_OPTION_INVALID', `STORE DATA segment size must be ${MIN_STORE_DATA_SEGMENT}–${MAX_STORE_DATA_SEGMENT} bytes, got ${size}.`, 'Use 255 (default) or 120 for modems that fail on long APDUs.', {
      details: { storeDataSegmentSize: size },
    });
  }
}

/** The STORE DATA commands carrying `request` on `channel`, in order. */
export function buildStoreDataCommands(request: Uint8Array, channel: number, segmentSize: number): CommandApdu[] {
  if (!Number.isInteger(segmentSize) || segmentSize < 1 || segmentSize > MAX_STORE_DATA_SEGMENT) {
    throw new WorkbenchError('CARD_OPTION_INVALID', `STORE DATA segment size ${segmentSize} is out of range.`, 'Use a segment size of 6–255 bytes.', {
      details: { segmentSize },
    });
  }
  if (request.length === 0) {
    throw new WorkbenchError('APDU_INVALID', 'STORE DATA needs a request TLV; it was empty.', 'Pass the complete encoded request (e.g. a BF.. TLV).');
  }
  const blocks = Math.ceil(request.length / segmentSize);
  // P2 is one byte, so at most 256 blocks.
  if (blocks > 256) {
    throw new WorkbenchError('APDU_TOO_LONG', `A ${request.length}-byte request needs ${blocks} STORE DATA blocks of ${segmentSize}; at most 256 fit the block counter.`, 'Use a larger segment size.', {
      details: { requestLength: request.length, segmentSize },
    });
  }
  const cla = claForChannel(channel, 'proprietary');
  return Array.from({ length: blocks }, (_, i) => ({
    cla,
    ins: STORE_DATA_INS,
    p1: i === blocks - 1 ? STORE_DATA_P1_LAST : STORE_DATA_P1_MORE,
    p2: i,
    data: request.subarray(i * segmentSize, (i + 1) * segmentSize),
  }));
}
