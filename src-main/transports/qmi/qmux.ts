/**
 * QMUX framing (TRANSPORTS.md §1.1): marker 0x01, u16 length (bytes after the marker), QMUX flags,
 * service, client id; then the QMI header — CTL uses a 1-byte transaction id, every other service a
 * 2-byte one — message id, TLV length and the TLVs. All integers little-endian.
 */
import { WorkbenchError } from '../../../shared/errors.js';
import { toHex } from '../../../shared/hex.js';

export const QMUX_MARKER = 0x01;
/** QMUX flags byte: set by the modem ("sender is service"). */
export const QMUX_FLAG_FROM_SERVICE = 0x80;
export const QMI_CID_BROADCAST = 0xff;
/** Control flags of the CTL service header. */
export const CTL_FLAG = { response: 0x01, indication: 0x02 } as const;
/** Control flags of every other service's header. */
export const SERVICE_FLAG = { compound: 0x01, response: 0x02, indication: 0x04 } as const;

const QMUX_HEADER = 5;

export interface QmiTlv {
  readonly type: number;
  readonly value: Uint8Array;
}

export type QmiMessageKind = 'request' | 'response' | 'indication';

export interface QmuxFrame {
  readonly service: number;
  readonly clientId: number;
  readonly kind: QmiMessageKind;
  readonly transactionId: number;
  readonly messageId: number;
  readonly tlvs: readonly QmiTlv[];
}

function controlFlags(service: number, kind: QmiMessageKind): number {
  const flags = service === 0 ? CTL_FLAG : SERVICE_FLAG;
  return kind === 'response' ? flags.response : kind === 'indication' ? flags.indication : 0;
}

function kindOf(service: number, flags: number): QmiMessageKind {
  const f = service === 0 ? CTL_FLAG : SERVICE_FLAG;
  if (flags & f.indication) return 'indication';
  if (flags & f.response) return 'response';
  return 'request';
}

function framingError(code: string, message: string, bytes: Uint8Array, details: Record<string, unknown> = {}): WorkbenchError {
  return new WorkbenchError(code, message, 'The QMI stream is out of step or the device is not a QMI port; reopen it, and check it is a cdc-wdm/QMI device.', {
    details: { ...details, bytes: toHex(bytes.subarray(0, 64)) },
  });
}

/** Encodes one QMUX frame. Requests go out with QMUX flags 0, responses/indications with 0x80. */
export function encodeQmuxFrame(frame: QmuxFrame): Uint8Array {
  const isCtl = frame.service === 0;
  const headerSize = isCtl ? 6 : 7;
  const tlvLength = frame.tlvs.reduce((n, t) => n + 3 + t.value.length, 0);
  const total = 1 + QMUX_HEADER + headerSize + tlvLength;
  if (total - 1 > 0xffff) throw framingError('QMUX_TOO_LONG', `QMI message is ${total} bytes; a QMUX frame holds at most 65536.`, new Uint8Array());
  const out = Buffer.alloc(total);
  out[0] = QMUX_MARKER;
  out.writeUInt16LE(total - 1, 1);
  out[3] = frame.kind === 'request' ? 0 : QMUX_FLAG_FROM_SERVICE;
  out[4] = frame.service;
  out[5] = frame.clientId;
  let at = 6;
  out[at++] = controlFlags(frame.service, frame.kind);
  if (isCtl) out[at++] = frame.transactionId & 0xff;
  else {
    out.writeUInt16LE(frame.transactionId & 0xffff, at);
    at += 2;
  }
  out.writeUInt16LE(frame.messageId, at);
  out.writeUInt16LE(tlvLength, at + 2);
  at += 4;
  for (const t of frame.tlvs) {
    out[at] = t.type;
    out.writeUInt16LE(t.value.length, at + 1);
    out.set(t.value, at + 3);
    at += 3 + t.value.length;
  }
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

/** Decodes exactly one complete frame; the lengths must agree with the buffer (as libqmi checks). */
export function decodeQmuxFrame(bytes: Uint8Array): QmuxFrame {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.length < 1 || b[0] !== QMUX_MARKER) throw framingError('QMUX_FRAMING', `Not a QMUX frame: first byte is 0x${(b[0] ?? 0).toString(16)} (expected 0x01).`, bytes);
  if (b.length < 1 + QMUX_HEADER) throw framingError('QMUX_BAD_LENGTH', `QMUX frame of ${b.length} bytes is shorter than its header.`, bytes);
  const length = b.readUInt16LE(1);
  if (length !== b.length - 1) {
    throw framingError('QMUX_BAD_LENGTH', `QMUX length field says ${length} bytes but ${b.length - 1} follow the marker.`, bytes, { length, actual: b.length - 1 });
  }
  const service = b[4] ?? 0;
  const clientId = b[5] ?? 0;
  const isCtl = service === 0;
  const headerEnd = 1 + QMUX_HEADER + (isCtl ? 6 : 7);
  if (b.length < headerEnd) throw framingError('QMUX_BAD_LENGTH', `QMUX frame of ${b.length} bytes is shorter than its QMI header.`, bytes);
  let at = 6;
  const flags = b[at++] ?? 0;
  const transactionId = isCtl ? (b[at++] ?? 0) : b.readUInt16LE(at);
  if (!isCtl) at += 2;
  const messageId = b.readUInt16LE(at);
  const tlvLength = b.readUInt16LE(at + 2);
  at += 4;
  if (at + tlvLength !== b.length) {
    throw framingError('QMUX_BAD_LENGTH', `QMI TLV length says ${tlvLength} bytes but ${b.length - at} follow the header.`, bytes, { tlvLength, actual: b.length - at });
  }
  const tlvs: QmiTlv[] = [];
  while (at < b.length) {
    if (at + 3 > b.length) throw framingError('QMUX_BAD_LENGTH', `QMI TLV header at offset ${at} is cut off.`, bytes, { offset: at });
    const type = b[at] ?? 0;
    const len = b.readUInt16LE(at + 1);
    if (at + 3 + len > b.length) {
      throw framingError('QMUX_BAD_LENGTH', `QMI TLV 0x${type.toString(16).padStart(2, '0')} says ${len} bytes but only ${b.length - at - 3} remain.`, bytes, { type, offset: at });
    }
    tlvs.push({ type, value: new Uint8Array(b.subarray(at + 3, at + 3 + len)) });
    at += 3 + len;
  }
  return { service, clientId, kind: kindOf(service, flags), transactionId, messageId, tlvs };
}

/**
 * Re-frames a QMUX byte stream: a read may hold part of a frame or several frames. Bad frames are
 * reported through `onError` and skipped (by their declared length, or, when the marker itself is
 * wrong, up to the next 0x01 byte) so one corrupt frame does not kill the connection.
 */
export class QmuxReframer {
  private buffer: Buffer = Buffer.alloc(0);

  constructor(
    private readonly onFrame: (frame: QmuxFrame, raw: Uint8Array) => void,
    private readonly onError: (error: WorkbenchError) => void,
  ) {}

  push(chunk: Uint8Array): void {
    this.buffer = this.buffer.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.buffer, chunk]);
    for (;;) {
      if (this.buffer.length === 0) return;
      if (this.buffer[0] !== QMUX_MARKER) {
        const next = this.buffer.indexOf(QMUX_MARKER, 1);
        const dropped = next < 0 ? this.buffer : this.buffer.subarray(0, next);
        this.onError(framingError('QMUX_FRAMING', `QMI framing error: ${dropped.length} bytes without the 0x01 marker were dropped.`, dropped));
        this.buffer = next < 0 ? Buffer.alloc(0) : this.buffer.subarray(next);
        continue;
      }
      if (this.buffer.length < 3) return;
      const length = this.buffer.readUInt16LE(1);
      if (length < QMUX_HEADER + 6) {
        this.onError(framingError('QMUX_BAD_LENGTH', `QMUX length field ${length} is shorter than any QMI message; byte dropped.`, this.buffer, { length }));
        this.buffer = this.buffer.subarray(1);
        continue;
      }
      if (this.buffer.length < length + 1) return;
      const raw = new Uint8Array(this.buffer.subarray(0, length + 1));
      this.buffer = this.buffer.subarray(length + 1);
      let frame: QmuxFrame;
      try {
        frame = decodeQmuxFrame(raw);
      } catch (err) {
        this.onError(err as WorkbenchError);
        continue;
      }
      this.onFrame(frame, raw);
    }
  }
}
