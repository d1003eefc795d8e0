/**
 * Typed field layouts of QMI TLV values, interpreted by one small codec (Qualcomm IDL rules,
 * TRANSPORTS.md §1.1: little-endian, no padding, variable arrays prefixed by a u8 or u16 count).
 * Message rows (qmi-messages.ts) describe each TLV as a list of these fields.
 */
import { WorkbenchError } from '../../../shared/errors.js';

/** One field of a TLV value. */
export type QmiFieldDef =
  | { readonly name: string; readonly type: 'u8' | 'u16' | 'u32' }
  /** Byte string prefixed by its u8 (`bytes8`) or u16 (`bytes16`) length. */
  | { readonly name: string; readonly type: 'bytes8' | 'bytes16' }
  /** Raw bytes up to the end of the TLV (no length prefix). */
  | { readonly name: string; readonly type: 'rest' }
  /** Text up to the end of the TLV, no NUL, no length (e.g. the proxy-open device path). */
  | { readonly name: string; readonly type: 'string' }
  /** u8 element count followed by that many records of `of`. */
  | { readonly name: string; readonly type: 'array8'; readonly of: readonly QmiFieldDef[] };

export type QmiValue = number | string | Uint8Array | readonly QmiRecord[];
export interface QmiRecord {
  readonly [name: string]: QmiValue;
}

function fieldError(code: string, message: string, field: string): WorkbenchError {
  return new WorkbenchError(code, message, 'The modem sent a TLV that does not match the QMI message definition; the log shows the raw bytes.', {
    details: { field },
  });
}

/** Appends the encoding of `record` laid out as `fields` to `out`. */
export function encodeFields(fields: readonly QmiFieldDef[], record: QmiRecord, out: number[]): void {
  for (const f of fields) {
    const v = record[f.name];
    if (v === undefined) throw new WorkbenchError('QMI_FIELD_MISSING', `QMI field '${f.name}' has no value.`, 'Pass every field of a TLV you include.', { details: { field: f.name } });
    switch (f.type) {
      case 'u8':
      case 'u16':
      case 'u32': {
        const size = f.type === 'u8' ? 1 : f.type === 'u16' ? 2 : 4;
        if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v >= 2 ** (8 * size)) {
          throw fieldError('QMI_FIELD_INVALID', `QMI field '${f.name}' must be an integer that fits ${f.type}.`, f.name);
        }
        for (let i = 0; i < size; i++) out.push(Math.floor(v / 2 ** (8 * i)) & 0xff);
        break;
      }
      case 'bytes8':
      case 'bytes16':
      case 'rest': {
        if (!(v instanceof Uint8Array)) throw fieldError('QMI_FIELD_INVALID', `QMI field '${f.name}' must be bytes.`, f.name);
        const max = f.type === 'bytes8' ? 0xff : 0xffff;
        if (f.type !== 'rest') {
          if (v.length > max) throw fieldError('QMI_FIELD_TOO_LONG', `QMI field '${f.name}' is ${v.length} bytes; at most ${max} fit.`, f.name);
          out.push(v.length & 0xff);
          if (f.type === 'bytes16') out.push(v.length >> 8);
        }
        for (const b of v) out.push(b);
        break;
      }
      case 'string': {
        if (typeof v !== 'string') throw fieldError('QMI_FIELD_INVALID', `QMI field '${f.name}' must be text.`, f.name);
        for (const b of Buffer.from(v, 'utf8')) out.push(b);
        break;
      }
      case 'array8': {
        if (!Array.isArray(v)) throw fieldError('QMI_FIELD_INVALID', `QMI field '${f.name}' must be a list.`, f.name);
        const items = v as readonly QmiRecord[];
        if (items.length > 0xff) throw fieldError('QMI_FIELD_TOO_LONG', `QMI list '${f.name}' has ${items.length} entries; at most 255 fit.`, f.name);
        out.push(items.length);
        for (const item of items) encodeFields(f.of, item, out);
        break;
      }
    }
  }
}

/** Reads `fields` from `data` starting at `offset`; returns the record and the offset after it. */
export function decodeFields(fields: readonly QmiFieldDef[], data: Uint8Array, offset: number): { record: QmiRecord; offset: number } {
  const record: Record<string, QmiValue> = {};
  let at = offset;
  const need = (n: number, name: string): void => {
    if (at + n > data.length) {
      throw fieldError('QMI_TLV_TRUNCATED', `QMI field '${name}' needs ${n} bytes at offset ${at}; the TLV has ${data.length}.`, name);
    }
  };
  for (const f of fields) {
    switch (f.type) {
      case 'u8':
      case 'u16':
      case 'u32': {
        const size = f.type === 'u8' ? 1 : f.type === 'u16' ? 2 : 4;
        need(size, f.name);
        let v = 0;
        for (let i = size - 1; i >= 0; i--) v = v * 256 + (data[at + i] ?? 0);
        record[f.name] = v;
        at += size;
        break;
      }
      case 'bytes8':
      case 'bytes16': {
        const prefix = f.type === 'bytes8' ? 1 : 2;
        need(prefix, f.name);
        const len = f.type === 'bytes8' ? (data[at] ?? 0) : (data[at] ?? 0) | ((data[at + 1] ?? 0) << 8);
        at += prefix;
        need(len, f.name);
        record[f.name] = data.slice(at, at + len);
        at += len;
        break;
      }
      case 'rest':
        record[f.name] = data.slice(at);
        at = data.length;
        break;
      case 'string':
        record[f.name] = Buffer.from(data.subarray(at)).toString('utf8');
        at = data.length;
        break;
      case 'array8': {
        need(1, f.name);
        const count = data[at] ?? 0;
        at += 1;
        const items: QmiRecord[] = [];
        for (let i = 0; i < count; i++) {
          const r = decodeFields(f.of, data, at);
          items.push(r.record);
          at = r.offset;
        }
        record[f.name] = items;
        break;
      }
    }
  }
  return { record, offset: at };
}
