/**
 * Message-level codec: turns a row of QMI_MESSAGES plus a flat value object into TLVs and back.
 * Responses always carry the result TLV 0x02 (`u16 status, u16 error code`, TRANSPORTS.md §1.2).
 */
import { WorkbenchError } from '../../../shared/errors.js';
import { encodeFields, decodeFields } from './qmi-fields.js';
import type { QmiRecord, QmiValue } from './qmi-fields.js';
import { QMI_MESSAGES, qmiServiceNumber } from './qmi-messages.js';
import type { QmiMessageDef, QmiMessageKey, QmiTlvDef } from './qmi-messages.js';
import type { QmiMessageKind, QmiTlv, QmuxFrame } from './qmux.js';

export const RESULT_TLV = 0x02;

export interface QmiResult {
  /** 0 success, 1 failure. */
  readonly status: number;
  /** QMI protocol error code (qmi-errors.ts). */
  readonly error: number;
}

export interface DecodedQmiMessage {
  readonly values: QmiRecord;
  /** Present on responses. */
  readonly result?: QmiResult;
  /** TLVs the row does not describe: newer firmware adds TLVs; callers log and ignore them. */
  readonly unknownTlvs: readonly QmiTlv[];
}

function tlvDefs(def: QmiMessageDef, kind: QmiMessageKind): readonly QmiTlvDef[] {
  const defs = kind === 'request' ? def.request : kind === 'response' ? def.response : def.indication;
  if (defs === undefined) {
    throw new WorkbenchError('QMI_MESSAGE_DIRECTION', `QMI message '${def.name}' has no ${kind} form.`, 'Use a message row that declares this direction.', {
      details: { message: def.name, kind },
    });
  }
  return defs;
}

/** TLVs 0x01–0x0F are mandatory in QMI; 0x10 and above are optional. */
const isMandatory = (t: QmiTlvDef): boolean => t.type < 0x10;

/** Encodes the TLVs of `def` for `kind`. Optional TLVs are included when all their fields have values. */
export function encodeQmiTlvs(def: QmiMessageDef, kind: QmiMessageKind, values: QmiRecord, resultError?: number): QmiTlv[] {
  const tlvs: QmiTlv[] = [];
  if (kind === 'response') {
    const code = resultError ?? 0;
    const v = Buffer.alloc(4);
    v.writeUInt16LE(code === 0 ? 0 : 1, 0);
    v.writeUInt16LE(code, 2);
    tlvs.push({ type: RESULT_TLV, value: new Uint8Array(v) });
  }
  // A failed response carries only the result TLV.
  if (kind === 'response' && (resultError ?? 0) !== 0) return tlvs;
  for (const t of tlvDefs(def, kind)) {
    const given = t.fields.filter((f) => values[f.name] !== undefined).length;
    if (given === 0 && !(isMandatory(t) && kind === 'request')) continue;
    const out: number[] = [];
    encodeFields(t.fields, values, out);
    tlvs.push({ type: t.type, value: Uint8Array.from(out) });
  }
  return tlvs;
}

/** Decodes TLVs against the row. Mandatory request TLVs must be present; unknown TLVs are returned apart. */
export function decodeQmiTlvs(def: QmiMessageDef, kind: QmiMessageKind, tlvs: readonly QmiTlv[]): DecodedQmiMessage {
  const defs = tlvDefs(def, kind);
  const values: Record<string, QmiValue> = {};
  const unknownTlvs: QmiTlv[] = [];
  let result: QmiResult | undefined;
  for (const tlv of tlvs) {
    if (kind === 'response' && tlv.type === RESULT_TLV) {
      if (tlv.value.length < 4) {
        throw new WorkbenchError('QMI_TLV_TRUNCATED', `Result TLV of '${def.name}' is ${tlv.value.length} bytes (expected 4).`, 'The modem answered with a malformed message.', {
          details: { message: def.name },
        });
      }
      const b = Buffer.from(tlv.value);
      result = { status: b.readUInt16LE(0), error: b.readUInt16LE(2) };
      continue;
    }
    const t = defs.find((d) => d.type === tlv.type);
    if (t === undefined) {
      unknownTlvs.push(tlv);
      continue;
    }
    Object.assign(values, decodeFields(t.fields, tlv.value, 0).record);
  }
  if (kind === 'request') {
    const missing = defs.find((t) => isMandatory(t) && !tlvs.some((x) => x.type === t.type));
    if (missing !== undefined) {
      throw new WorkbenchError('QMI_TLV_MISSING', `'${def.name}' request lacks mandatory TLV 0x${missing.type.toString(16).padStart(2, '0')} (${missing.label}).`, 'Send every mandatory TLV.', {
        details: { message: def.name, type: missing.type },
      });
    }
  }
  if (kind === 'response' && result === undefined) {
    throw new WorkbenchError('QMI_TLV_MISSING', `'${def.name}' response has no result TLV.`, 'The modem answered with a malformed message.', { details: { message: def.name } });
  }
  return { values, unknownTlvs, ...(result === undefined ? {} : { result }) };
}

/** Builds a whole frame for message `key`. */
export function buildQmiFrame(
  key: QmiMessageKey,
  kind: QmiMessageKind,
  header: { clientId: number; transactionId: number },
  values: QmiRecord = {},
  resultError?: number,
): QmuxFrame {
  const def: QmiMessageDef = QMI_MESSAGES[key];
  return {
    service: qmiServiceNumber(def),
    clientId: header.clientId,
    kind,
    transactionId: header.transactionId,
    messageId: def.id,
    tlvs: encodeQmiTlvs(def, kind, values, resultError),
  };
}

/** Typed accessors for decoded values: absent or mistyped fields raise QMI_FIELD_MISSING. */
function fieldMissing(name: string): WorkbenchError {
  return new WorkbenchError('QMI_FIELD_MISSING', `The modem's answer lacks '${name}'.`, 'The firmware may not support this message fully; the log shows the raw TLVs.', {
    details: { field: name },
  });
}
export function qmiNumber(values: QmiRecord, name: string): number {
  const v = values[name];
  if (typeof v !== 'number') throw fieldMissing(name);
  return v;
}
export function qmiBytes(values: QmiRecord, name: string): Uint8Array {
  const v = values[name];
  if (!(v instanceof Uint8Array)) throw fieldMissing(name);
  return v;
}
export function qmiRecords(values: QmiRecord, name: string): readonly QmiRecord[] {
  const v = values[name];
  if (!Array.isArray(v)) throw fieldMissing(name);
  return v as readonly QmiRecord[];
}
