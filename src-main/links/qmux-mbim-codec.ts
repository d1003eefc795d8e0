/**
 * The slice of MBIM framing that carries QMI (TRANSPORTS.md §7.1): OPEN/CLOSE, COMMAND/COMMAND_DONE,
 * INDICATE_STATUS, errors, fragment reassembly, the mbim-proxy configuration message and the UUIDs
 * involved. Little-endian u32s throughout; UUIDs travel in their printed byte order.
 */
import { WorkbenchError } from '../../shared/errors.js';
import { toHex, fromHex } from '../../shared/hex.js';

export const MBIM_UUID = {
  /** The "QMI" service: QMUX frames in CID 1 `MSG`. */
  qmi: 'd1a30bc2-f97a-6e43-bf65-c7e24fb0f0d3',
  /** libmbim's mbim-proxy control service (CID 1 Configuration). */
  proxyControl: '838cf7fb-8d0d-4d7f-871e-d71dbefbb39b',
  basicConnect: 'a289cc33-bcbb-8b4f-b6b0-133ec2aae6df',
} as const;
export const MBIM_CID_QMI_MSG = 1;
export const MBIM_CID_PROXY_CONFIGURATION = 1;
/** Basic Connect CID 19: Device Service Subscribe List (which services' indications to deliver). */
export const MBIM_CID_DEVICE_SERVICE_SUBSCRIBE_LIST = 19;
export const MBIM_PROXY_SOCKET_NAME = 'mbim-proxy';

const TYPE = {
  open: 0x00000001,
  close: 0x00000002,
  command: 0x00000003,
  hostError: 0x00000004,
  openDone: 0x80000001,
  closeDone: 0x80000002,
  commandDone: 0x80000003,
  functionError: 0x80000004,
  indicateStatus: 0x80000007,
} as const;

/** MBIM status codes we name in messages (MBIM 1.0 table 9-2). */
export const MBIM_STATUS_NAMES: Readonly<Record<number, string>> = {
  0: 'Success',
  1: 'Busy',
  2: 'Failure',
  3: 'SimNotInserted',
  4: 'BadSim',
  5: 'PinRequired',
  9: 'NoDeviceSupport',
};

export type MbimMessage =
  | { readonly type: 'open'; readonly transactionId: number; readonly maxControlTransfer: number }
  | { readonly type: 'close'; readonly transactionId: number }
  | { readonly type: 'command'; readonly transactionId: number; readonly service: string; readonly cid: number; readonly commandType: 'query' | 'set'; readonly info: Uint8Array }
  | { readonly type: 'open-done' | 'close-done'; readonly transactionId: number; readonly status: number }
  | { readonly type: 'command-done'; readonly transactionId: number; readonly service: string; readonly cid: number; readonly status: number; readonly info: Uint8Array }
  | { readonly type: 'indicate-status'; readonly transactionId: number; readonly service: string; readonly cid: number; readonly info: Uint8Array }
  | { readonly type: 'function-error' | 'host-error'; readonly transactionId: number; readonly status: number };

const HEADER = 12;
const FRAGMENT_HEADER = 8;

function uuidBytes(uuid: string): Uint8Array {
  return fromHex(uuid.replace(/-/g, ''));
}
function uuidString(bytes: Uint8Array): string {
  const h = toHex(bytes);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function mbimError(code: string, message: string, bytes: Uint8Array): WorkbenchError {
  return new WorkbenchError(code, message, 'The device does not speak MBIM as expected; check it is the MBIM control port (cdc_mbim) or reopen it.', {
    details: { bytes: toHex(bytes.subarray(0, 64)) },
  });
}

/** Encodes one message as a single fragment. */
export function encodeMbimMessage(m: MbimMessage): Uint8Array {
  const body: Buffer[] = [];
  const u32 = (v: number): Buffer => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v >>> 0);
    return b;
  };
  const fragment = (): Buffer => Buffer.concat([u32(1), u32(0)]);
  let type: number;
  switch (m.type) {
    case 'open':
      type = TYPE.open;
      body.push(u32(m.maxControlTransfer));
      break;
    case 'close':
      type = TYPE.close;
      break;
    case 'command':
      type = TYPE.command;
      body.push(fragment(), Buffer.from(uuidBytes(m.service)), u32(m.cid), u32(m.commandType === 'set' ? 1 : 0), u32(m.info.length), Buffer.from(m.info));
      break;
    case 'open-done':
    case 'close-done':
      type = m.type === 'open-done' ? TYPE.openDone : TYPE.closeDone;
      body.push(u32(m.status));
      break;
    case 'command-done':
      type = TYPE.commandDone;
      body.push(fragment(), Buffer.from(uuidBytes(m.service)), u32(m.cid), u32(m.status), u32(m.info.length), Buffer.from(m.info));
      break;
    case 'indicate-status':
      type = TYPE.indicateStatus;
      body.push(fragment(), Buffer.from(uuidBytes(m.service)), u32(m.cid), u32(m.info.length), Buffer.from(m.info));
      break;
    case 'function-error':
    case 'host-error':
      type = m.type === 'function-error' ? TYPE.functionError : TYPE.hostError;
      body.push(u32(m.status));
      break;
  }
  const payload = Buffer.concat(body);
  const out = Buffer.concat([u32(type), u32(HEADER + payload.length), u32(m.transactionId), payload]);
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

/** Decodes one complete (reassembled) message. */
export function decodeMbimMessage(bytes: Uint8Array): MbimMessage {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.length < HEADER) throw mbimError('MBIM_BAD_LENGTH', `MBIM message of ${b.length} bytes is shorter than its header.`, bytes);
  const type = b.readUInt32LE(0);
  const length = b.readUInt32LE(4);
  const transactionId = b.readUInt32LE(8);
  if (length !== b.length) throw mbimError('MBIM_BAD_LENGTH', `MBIM length field says ${length} bytes, message has ${b.length}.`, bytes);
  const need = (n: number): void => {
    if (b.length < n) throw mbimError('MBIM_BAD_LENGTH', `MBIM message type 0x${type.toString(16)} is cut off (${b.length} of ${n} bytes).`, bytes);
  };
  const at = HEADER + FRAGMENT_HEADER;
  switch (type) {
    case TYPE.open:
      need(16);
      return { type: 'open', transactionId, maxControlTransfer: b.readUInt32LE(12) };
    case TYPE.close:
      return { type: 'close', transactionId };
    case TYPE.openDone:
    case TYPE.closeDone:
    case TYPE.functionError:
    case TYPE.hostError: {
      need(16);
      const name = type === TYPE.openDone ? 'open-done' : type === TYPE.closeDone ? 'close-done' : type === TYPE.functionError ? 'function-error' : 'host-error';
      return { type: name, transactionId, status: b.readUInt32LE(12) };
    }
    case TYPE.command:
    case TYPE.commandDone: {
      need(at + 28);
      const infoLength = b.readUInt32LE(at + 24);
      need(at + 28 + infoLength);
      const service = uuidString(b.subarray(at, at + 16));
      const cid = b.readUInt32LE(at + 16);
      const info = new Uint8Array(b.subarray(at + 28, at + 28 + infoLength));
      return type === TYPE.command
        ? { type: 'command', transactionId, service, cid, commandType: b.readUInt32LE(at + 20) === 1 ? 'set' : 'query', info }
        : { type: 'command-done', transactionId, service, cid, status: b.readUInt32LE(at + 20), info };
    }
    case TYPE.indicateStatus: {
      need(at + 24);
      const infoLength = b.readUInt32LE(at + 20);
      need(at + 24 + infoLength);
      return { type: 'indicate-status', transactionId, service: uuidString(b.subarray(at, at + 16)), cid: b.readUInt32LE(at + 16), info: new Uint8Array(b.subarray(at + 24, at + 24 + infoLength)) };
    }
    default:
      throw mbimError('MBIM_UNKNOWN_MESSAGE', `Unknown MBIM message type 0x${type.toString(16)}.`, bytes);
  }
}

const FRAGMENTED: ReadonlySet<number> = new Set([TYPE.command, TYPE.commandDone, TYPE.indicateStatus]);

/**
 * Re-frames an MBIM byte stream (mbim-proxy socket; a cdc-wdm read is one message already) and
 * reassembles fragments: later fragments carry only the header, the fragment header and more data.
 */
export class MbimReframer {
  private buffer: Buffer = Buffer.alloc(0);
  private partial: { transactionId: number; total: number; next: number; parts: Buffer[] } | undefined;

  constructor(
    private readonly onMessage: (message: MbimMessage) => void,
    private readonly onError: (error: WorkbenchError) => void,
  ) {}

  push(chunk: Uint8Array): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    while (this.buffer.length >= HEADER) {
      const length = this.buffer.readUInt32LE(4);
      if (length < HEADER) {
        this.onError(mbimError('MBIM_BAD_LENGTH', `MBIM length field ${length} is shorter than the header; stream dropped.`, this.buffer));
        this.buffer = Buffer.alloc(0);
        return;
      }
      if (this.buffer.length < length) return;
      const raw = this.buffer.subarray(0, length);
      this.buffer = this.buffer.subarray(length);
      this.handle(Buffer.from(raw));
    }
  }

  private handle(raw: Buffer): void {
    const type = raw.readUInt32LE(0);
    let whole: Buffer = raw;
    if (FRAGMENTED.has(type) && raw.length >= HEADER + FRAGMENT_HEADER) {
      const total = raw.readUInt32LE(HEADER);
      const current = raw.readUInt32LE(HEADER + 4);
      if (total > 1) {
        const transactionId = raw.readUInt32LE(8);
        if (current === 0) this.partial = { transactionId, total, next: 1, parts: [raw] };
        else if (this.partial?.transactionId === transactionId && this.partial.next === current) {
          this.partial.parts.push(raw.subarray(HEADER + FRAGMENT_HEADER));
          this.partial.next++;
        } else {
          this.onError(mbimError('MBIM_FRAGMENT', `Unexpected MBIM fragment ${current}/${total} of transaction ${transactionId}; dropped.`, raw));
          this.partial = undefined;
          return;
        }
        if (this.partial.next < total) return;
        whole = Buffer.concat(this.partial.parts);
        whole.writeUInt32LE(whole.length, 4);
        whole.writeUInt32LE(1, HEADER);
        whole.writeUInt32LE(0, HEADER + 4);
        this.partial = undefined;
      }
    }
    let message: MbimMessage;
    try {
      message = decodeMbimMessage(new Uint8Array(whole));
    } catch (err) {
      this.onError(err as WorkbenchError);
      return;
    }
    this.onMessage(message);
  }
}

/** Info buffer of the mbim-proxy Configuration set: { DevicePath: string, Timeout: u32 }. */
export function encodeMbimProxyConfig(devicePath: string, timeoutSeconds: number): Uint8Array {
  const text = Buffer.from(devicePath, 'utf16le');
  const padded = Buffer.alloc(Math.ceil(text.length / 4) * 4);
  text.copy(padded);
  const head = Buffer.alloc(12);
  head.writeUInt32LE(12, 0);
  head.writeUInt32LE(text.length, 4);
  head.writeUInt32LE(timeoutSeconds, 8);
  return new Uint8Array(Buffer.concat([head, padded]));
}

export function decodeMbimProxyConfig(info: Uint8Array): { devicePath: string; timeoutSeconds: number } {
  const b = Buffer.from(info.buffer, info.byteOffset, info.byteLength);
  if (b.length < 12) throw mbimError('MBIM_BAD_LENGTH', 'mbim-proxy configuration is cut off.', info);
  const offset = b.readUInt32LE(0);
  const size = b.readUInt32LE(4);
  if (offset + size > b.length) throw mbimError('MBIM_BAD_LENGTH', 'mbim-proxy configuration device path runs past the buffer.', info);
  return { devicePath: b.subarray(offset, offset + size).toString('utf16le'), timeoutSeconds: b.readUInt32LE(8) };
}

/** Human form of an MBIM status. */
export function mbimStatusName(status: number): string {
  return MBIM_STATUS_NAMES[status] ?? `0x${status.toString(16)}`;
}

/** Info buffer of Device Service Subscribe List set: one element per service, with its CIDs. */
export function encodeMbimSubscribeList(entries: readonly { service: string; cids: readonly number[] }[]): Uint8Array {
  const elements = entries.map((e) => {
    const b = Buffer.alloc(20 + 4 * e.cids.length);
    Buffer.from(uuidBytes(e.service)).copy(b, 0);
    b.writeUInt32LE(e.cids.length, 16);
    e.cids.forEach((cid, i) => b.writeUInt32LE(cid, 20 + 4 * i));
    return b;
  });
  const head = Buffer.alloc(4 + 8 * elements.length);
  head.writeUInt32LE(elements.length, 0);
  let offset = head.length;
  elements.forEach((el, i) => {
    head.writeUInt32LE(offset, 4 + 8 * i);
    head.writeUInt32LE(el.length, 8 + 8 * i);
    offset += el.length;
  });
  return new Uint8Array(Buffer.concat([head, ...elements]));
}
