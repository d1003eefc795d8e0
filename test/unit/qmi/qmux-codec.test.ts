import { describe, expect, it } from 'vitest';
import { isWorkbenchError } from '../../../shared/errors.js';
import { fromHex, toHex } from '../../../shared/hex.js';
import { buildQmiFrame, decodeQmiTlvs } from '../../../src-main/transports/qmi/qmi-codec.js';
import { qmiErrorName, qmiProtocolError } from '../../../src-main/transports/qmi/qmi-errors.js';
import type { QmiFieldDef } from '../../../src-main/transports/qmi/qmi-fields.js';
import { QMI_MESSAGES, findQmiMessage } from '../../../src-main/transports/qmi/qmi-messages.js';
import type { QmiMessageDef, QmiMessageKey } from '../../../src-main/transports/qmi/qmi-messages.js';
import { QmuxReframer, decodeQmuxFrame, encodeQmuxFrame } from '../../../src-main/transports/qmi/qmux.js';
import type { QmuxFrame } from '../../../src-main/transports/qmi/qmux.js';
import { judgeSlot, parseCardStatus } from '../../../src-main/transports/qmi/uim-status.js';

const ISD_R = fromHex('A0000005591010FFFFFFFF8900000100');
const hex = (s: string): Uint8Array => fromHex(s);

/** Byte examples of TRANSPORTS.md §1.1, §2.2, §2.3. */
const EXAMPLES: readonly { what: string; key: QmiMessageKey; clientId: number; txn: number; values: Record<string, number | Uint8Array>; bytes: string }[] = [
  { what: 'CTL Allocate CID for UIM', key: 'ctl.allocateCid', clientId: 0, txn: 1, values: { service: 0x0b }, bytes: '01 0F 00 00 00 00 00 01 22 00 04 00 01 01 00 0B' },
  {
    what: 'Open Logical Channel ISD-R slot 1',
    key: 'uim.openLogicalChannel',
    clientId: 1,
    txn: 4,
    values: { slot: 1, aid: ISD_R },
    bytes: '01 24 00 00 0B 01 00 04 00 42 00 18 00 01 01 00 01 10 11 00 10 A0 00 00 05 59 10 10 FF FF FF FF 89 00 00 01 00',
  },
  {
    what: 'SAP connect slot 1, allow always',
    key: 'uim.sapConnection',
    clientId: 1,
    txn: 1,
    values: { operation: 1, slot: 1, connectionCondition: 3 },
    bytes: '01 18 00 00 0B 01 00 01 00 3C 00 0C 00 01 02 00 01 01 12 04 00 03 00 00 00',
  },
  { what: 'SAP GET ATR slot 1', key: 'uim.sapRequest', clientId: 1, txn: 2, values: { request: 0, slot: 1 }, bytes: '01 11 00 00 0B 01 00 02 00 3D 00 05 00 01 02 00 00 01' },
  {
    what: 'SAP SEND APDU SELECT ISD-R',
    key: 'uim.sapRequest',
    clientId: 1,
    txn: 3,
    values: { request: 1, slot: 1, apdu: hex('00 A4 04 00 10 A0 00 00 05 59 10 10 FF FF FF FF 89 00 00 01 00') },
    bytes: '01 2B 00 00 0B 01 00 03 00 3D 00 1F 00 01 02 00 01 01 10 17 00 15 00 00 A4 04 00 10 A0 00 00 05 59 10 10 FF FF FF FF 89 00 00 01 00',
  },
];

describe('QMUX codec against the TRANSPORTS.md byte examples', () => {
  for (const ex of EXAMPLES) {
    it(`encodes and decodes: ${ex.what}`, () => {
      const frame = buildQmiFrame(ex.key, 'request', { clientId: ex.clientId, transactionId: ex.txn }, ex.values);
      const bytes = encodeQmuxFrame(frame);
      expect(toHex(bytes)).toBe(toHex(hex(ex.bytes)));
      const back = decodeQmuxFrame(bytes);
      expect(back).toEqual(frame);
      const def: QmiMessageDef = QMI_MESSAGES[ex.key];
      expect(decodeQmiTlvs(def, 'request', back.tlvs).values).toEqual(ex.values);
    });
  }

  it('sets response flags and QMUX sender flag, and decodes the result TLV', () => {
    const frame = buildQmiFrame('ctl.allocateCid', 'response', { clientId: 0, transactionId: 1 }, { service: 0x0b, clientId: 5 });
    const bytes = encodeQmuxFrame(frame);
    // marker, len, flags 0x80, svc 0, cid 0 | ctl flags 0x01, txn 1, msg 0x0022, tlv len 12 | result ok | 01 02 00 0B 05
    expect(toHex(bytes)).toBe(toHex(hex('01 17 00 80 00 00 01 01 22 00 0C 00 02 04 00 00 00 00 00 01 02 00 0B 05')));
    const decoded = decodeQmiTlvs(QMI_MESSAGES['ctl.allocateCid'], 'response', decodeQmuxFrame(bytes).tlvs);
    expect(decoded.result).toEqual({ status: 0, error: 0 });
    expect(decoded.values).toEqual({ service: 0x0b, clientId: 5 });
  });

  it('encodes a failed response as the result TLV alone', () => {
    const frame = buildQmiFrame('uim.openLogicalChannel', 'response', { clientId: 1, transactionId: 0x0304 }, { channelId: 1 }, 82);
    expect(toHex(encodeQmuxFrame(frame))).toBe(toHex(hex('01 13 00 80 0B 01 02 04 03 42 00 07 00 02 04 00 01 00 52 00')));
  });

  it('uses 2-byte transaction ids for UIM and 1-byte for CTL, and indication flags', () => {
    const ind = buildQmiFrame('uim.sapConnectionIndication', 'indication', { clientId: 0xff, transactionId: 0 }, { sapState: 2, slot: 1 });
    expect(toHex(encodeQmuxFrame(ind))).toBe(toHex(hex('01 11 00 80 0B FF 04 00 00 3E 00 05 00 10 02 00 02 01')));
    const sync = buildQmiFrame('ctl.sync', 'indication', { clientId: 0, transactionId: 7 }, {});
    expect(toHex(encodeQmuxFrame(sync))).toBe(toHex(hex('01 0B 00 80 00 00 02 07 27 00 00 00')));
  });

  it('decodes a nested card status (1 card, 1 USIM application)', () => {
    const aid = hex('A0000000871002FF33FF01890000010A');
    const values = {
      gwPrimaryIndex: 0,
      x1PrimaryIndex: 0xffff,
      gwSecondaryIndex: 0xffff,
      x1SecondaryIndex: 0xffff,
      cards: [
        {
          cardState: 1,
          upinState: 0,
          upinRetries: 0,
          upukRetries: 0,
          errorCode: 0,
          applications: [
            { type: 2, state: 7, personalizationState: 2, personalizationFeature: 0, personalizationRetries: 0, personalizationUnblockRetries: 0, aid, upinReplacesPin1: 0, pin1State: 3, pin1Retries: 3, puk1Retries: 10, pin2State: 1, pin2Retries: 3, puk2Retries: 10 },
          ],
        },
      ],
    };
    const frame = buildQmiFrame('uim.getCardStatus', 'response', { clientId: 1, transactionId: 9 }, values);
    const tlv = frame.tlvs.find((t) => t.type === 0x10);
    // 8 index bytes, 1 card count, 5 card bytes, 1 app count, 6 + (1+16) + 7 app bytes
    expect(tlv?.value.length).toBe(8 + 1 + 5 + 1 + 6 + 17 + 7);
    expect(toHex(tlv?.value.subarray(0, 16) ?? new Uint8Array())).toBe('0000ffffffffffff0101000000000102');
    const decoded = decodeQmiTlvs(QMI_MESSAGES['uim.getCardStatus'], 'response', decodeQmuxFrame(encodeQmuxFrame(frame)).tlvs);
    expect(decoded.values).toEqual(values);
    const status = parseCardStatus(decoded.values);
    expect(judgeSlot(status, 1)).toEqual({ kind: 'usable' });
    expect(judgeSlot({ cards: [{ state: 1, errorCode: 0, applications: [] }] }, 1)).toEqual({ kind: 'no-usable-application' });
    expect(judgeSlot({ cards: [{ state: 2, errorCode: 9, applications: [] }] }, 1)).toEqual({ kind: 'sap-connected' });
    expect(judgeSlot(status, 2)).toEqual({ kind: 'absent' });
  });

  it('returns unknown TLVs apart instead of failing', () => {
    const frame = decodeQmuxFrame(hex('01 17 00 80 0B 01 02 05 00 41 00 0B 00 02 04 00 00 00 00 00 7E 01 00 AA'));
    const decoded = decodeQmiTlvs(QMI_MESSAGES['uim.getAtr'], 'response', frame.tlvs);
    expect(decoded.unknownTlvs).toEqual([{ type: 0x7e, value: Uint8Array.of(0xaa) }]);
    expect(decoded.values).toEqual({});
  });

  it('rejects a request that lacks a mandatory TLV, and a response without result', () => {
    expect(() => decodeQmiTlvs(QMI_MESSAGES['uim.sendApdu'], 'request', [{ type: 0x01, value: Uint8Array.of(1) }])).toThrow(/mandatory TLV 0x02/);
    expect(() => decodeQmiTlvs(QMI_MESSAGES['uim.getAtr'], 'response', [])).toThrow(/no result TLV/);
  });

  it('rejects a TLV shorter than its layout with QMI_TLV_TRUNCATED', () => {
    try {
      decodeQmiTlvs(QMI_MESSAGES['uim.getAtr'], 'response', [
        { type: 0x02, value: new Uint8Array(4) },
        { type: 0x10, value: Uint8Array.of(5, 0x3b) },
      ]);
      expect.unreachable();
    } catch (err) {
      expect(isWorkbenchError(err, 'QMI_TLV_TRUNCATED')).toBe(true);
    }
  });
});

describe('QMUX frame validation', () => {
  const good = hex('01 0F 00 00 00 00 00 01 22 00 04 00 01 01 00 0B');
  const codeOf = (bytes: Uint8Array): string | undefined => {
    try {
      decodeQmuxFrame(bytes);
      return undefined;
    } catch (err) {
      return isWorkbenchError(err) ? err.code : 'other';
    }
  };
  it('names each kind of bad frame', () => {
    expect(codeOf(good)).toBeUndefined();
    expect(codeOf(Uint8Array.of(0x02, ...good.subarray(1)))).toBe('QMUX_FRAMING');
    expect(codeOf(good.subarray(0, 15))).toBe('QMUX_BAD_LENGTH');
    const tlvTooLong = Uint8Array.from(good);
    tlvTooLong[13] = 0x05; // TLV 0x01 claims 5 bytes
    expect(codeOf(tlvTooLong)).toBe('QMUX_BAD_LENGTH');
    const tlvLenField = Uint8Array.from(good);
    tlvLenField[10] = 0x03; // TLV length field 3 ≠ 4
    expect(codeOf(tlvLenField)).toBe('QMUX_BAD_LENGTH');
  });
});

describe('QmuxReframer', () => {
  const frames = [
    encodeQmuxFrame(buildQmiFrame('ctl.allocateCid', 'response', { clientId: 0, transactionId: 1 }, { service: 11, clientId: 1 })),
    encodeQmuxFrame(buildQmiFrame('uim.getAtr', 'response', { clientId: 1, transactionId: 2 }, { atr: hex('3B9F96') })),
    encodeQmuxFrame(buildQmiFrame('uim.sapConnectionIndication', 'indication', { clientId: 1, transactionId: 0 }, { sapState: 2, slot: 1 })),
  ];
  const all = Uint8Array.from(frames.flatMap((f) => [...f]));
  const collect = (chunks: Uint8Array[]): { got: QmuxFrame[]; errors: string[] } => {
    const got: QmuxFrame[] = [];
    const errors: string[] = [];
    const r = new QmuxReframer(
      (f) => got.push(f),
      (e) => errors.push(e.code),
    );
    for (const c of chunks) r.push(c);
    return { got, errors };
  };

  it('re-frames frames split at every possible byte boundary', () => {
    for (let cut = 1; cut < all.length; cut++) {
      const { got, errors } = collect([all.subarray(0, cut), all.subarray(cut)]);
      expect(errors).toEqual([]);
      expect(got.map((f) => f.messageId)).toEqual([0x22, 0x41, 0x3e]);
    }
  });

  it('re-frames byte-by-byte reads and several frames in one read', () => {
    expect(collect([...all].map((b) => Uint8Array.of(b))).got).toHaveLength(3);
    expect(collect([all]).got.map((f) => f.kind)).toEqual(['response', 'response', 'indication']);
  });

  it('drops garbage before a frame with a framing error and keeps going', () => {
    const { got, errors } = collect([Uint8Array.of(0x7e, 0x00, 0x33), all]);
    expect(errors).toEqual(['QMUX_FRAMING']);
    expect(got).toHaveLength(3);
  });

  it('skips a frame whose inner lengths disagree, then decodes the next', () => {
    const bad = Uint8Array.from(frames[1] ?? []);
    bad[11] = (bad[11] ?? 0) + 1; // TLV length field off by one
    const { got, errors } = collect([bad, frames[2] ?? new Uint8Array()]);
    expect(errors).toEqual(['QMUX_BAD_LENGTH']);
    expect(got.map((f) => f.messageId)).toEqual([0x3e]);
  });

  it('drops a declared length too short for any message', () => {
    const { got, errors } = collect([Uint8Array.of(0x01, 0x03, 0x00), frames[0] ?? new Uint8Array()]);
    expect(errors[0]).toBe('QMUX_BAD_LENGTH');
    expect(got.map((f) => f.messageId)).toEqual([0x22]);
  });
});

describe('message table', () => {
  const names = (fields: readonly QmiFieldDef[]): string[] => fields.map((f) => f.name);
  it('has unique field names per direction and unique ids per service and kind', () => {
    const seen = new Set<string>();
    for (const [key, row] of Object.entries(QMI_MESSAGES) as [QmiMessageKey, QmiMessageDef][]) {
      for (const dir of ['request', 'response', 'indication'] as const) {
        const tlvs = row[dir];
        if (tlvs === undefined) continue;
        const all = tlvs.flatMap((t) => names(t.fields));
        expect(new Set(all).size, `${key} ${dir}`).toBe(all.length);
        expect(new Set(tlvs.map((t) => t.type)).size, `${key} ${dir} TLV types`).toBe(tlvs.length);
      }
      const id = `${row.service}:${row.id}:${row.request ? 'msg' : 'ind'}`;
      expect(seen.has(id), key).toBe(false);
      seen.add(id);
    }
  });

  it('finds rows by wire id, preferring indication rows for indications', () => {
    expect(findQmiMessage(0x0b, 0x3e, true)?.key).toBe('uim.sapConnectionIndication');
    expect(findQmiMessage(0x0b, 0x3b, true)?.key).toBe('uim.sendApdu');
    expect(findQmiMessage(0x0b, 0x32, true)?.key).toBe('uim.cardStatusIndication');
    expect(findQmiMessage(0x00, 0xff00, false)?.key).toBe('ctl.internalProxyOpen');
    expect(findQmiMessage(0x0b, 0x9999, false)).toBeUndefined();
    expect(findQmiMessage(0x03, 0x20, false)).toBeUndefined();
  });
});

describe('QMI error names', () => {
  it('formats protocol errors like libqmi', () => {
    expect(qmiErrorName(82)).toBe('AccessDenied');
    expect(qmiErrorName(71)).toBe('InvalidQmiCommand');
    expect(qmiErrorName(9999)).toBe('Unknown');
    const err = qmiProtocolError('Open Logical Channel', 82);
    expect(err.message).toBe("Open Logical Channel failed: QMI protocol error (82): 'AccessDenied'.");
    expect(err.details).toMatchObject({ qmiError: 82, qmiErrorName: 'AccessDenied' });
  });
});
