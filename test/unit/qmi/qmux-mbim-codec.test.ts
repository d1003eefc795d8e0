import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../shared/hex.js';
import {
  MBIM_UUID,
  MbimReframer,
  decodeMbimMessage,
  decodeMbimProxyConfig,
  encodeMbimMessage,
  encodeMbimProxyConfig,
  encodeMbimSubscribeList,
} from '../../../src-main/links/qmux-mbim-codec.js';
import type { MbimMessage } from '../../../src-main/links/qmux-mbim-codec.js';

const QMUX = fromHex('010F0000000000012200040001 01000B'.replace(/ /g, ''));

describe('MBIM framing of QMI', () => {
  it('wraps a QMUX frame in COMMAND set on the QMI service, UUID in printed byte order', () => {
    const bytes = encodeMbimMessage({ type: 'command', transactionId: 2, service: MBIM_UUID.qmi, cid: 1, commandType: 'set', info: QMUX });
    expect(toHex(bytes)).toBe(
      '03000000' + '40000000' + '02000000' + '01000000' + '00000000' + 'd1a30bc2f97a6e43bf65c7e24fb0f0d3' + '01000000' + '01000000' + '10000000' + toHex(QMUX),
    );
    expect(decodeMbimMessage(bytes)).toEqual({ type: 'command', transactionId: 2, service: MBIM_UUID.qmi, cid: 1, commandType: 'set', info: QMUX });
  });

  it('round-trips every message kind', () => {
    const all: MbimMessage[] = [
      { type: 'open', transactionId: 1, maxControlTransfer: 4096 },
      { type: 'close', transactionId: 9 },
      { type: 'open-done', transactionId: 1, status: 0 },
      { type: 'close-done', transactionId: 9, status: 0 },
      { type: 'command-done', transactionId: 3, service: MBIM_UUID.qmi, cid: 1, status: 0, info: QMUX },
      { type: 'indicate-status', transactionId: 0, service: MBIM_UUID.qmi, cid: 1, info: QMUX },
      { type: 'function-error', transactionId: 4, status: 2 },
    ];
    for (const m of all) expect(decodeMbimMessage(encodeMbimMessage(m))).toEqual(m);
    expect(toHex(encodeMbimMessage(all[0] as MbimMessage))).toBe('01000000100000000100000000100000');
  });

  it('re-frames a stream and reassembles fragments', () => {
    const got: MbimMessage[] = [];
    const errors: string[] = [];
    const r = new MbimReframer(
      (m) => got.push(m),
      (e) => errors.push(e.code),
    );
    const done = encodeMbimMessage({ type: 'command-done', transactionId: 5, service: MBIM_UUID.qmi, cid: 1, status: 0, info: QMUX });
    // Split the info buffer into two fragments: fragment 0 carries the fixed part + 6 bytes.
    const first = Buffer.from(done.subarray(0, 48 + 6));
    first.writeUInt32LE(first.length, 4);
    first.writeUInt32LE(2, 12);
    const rest = Buffer.concat([Buffer.alloc(20), Buffer.from(done.subarray(48 + 6))]);
    rest.writeUInt32LE(0x80000003, 0);
    rest.writeUInt32LE(rest.length, 4);
    rest.writeUInt32LE(5, 8);
    rest.writeUInt32LE(2, 12);
    rest.writeUInt32LE(1, 16);
    const stream = Buffer.concat([first, rest, Buffer.from(encodeMbimMessage({ type: 'close-done', transactionId: 6, status: 0 }))]);
    for (let i = 0; i < stream.length; i += 7) r.push(stream.subarray(i, i + 7));
    expect(errors).toEqual([]);
    expect(got).toEqual([
      { type: 'command-done', transactionId: 5, service: MBIM_UUID.qmi, cid: 1, status: 0, info: QMUX },
      { type: 'close-done', transactionId: 6, status: 0 },
    ]);
  });

  it('encodes the mbim-proxy configuration and the QMI subscribe list', () => {
    const cfg = encodeMbimProxyConfig('/dev/cdc-wdm0', 30);
    expect(toHex(cfg.subarray(0, 12))).toBe('0c0000001a0000001e000000');
    expect(cfg.length).toBe(12 + 28);
    expect(decodeMbimProxyConfig(cfg)).toEqual({ devicePath: '/dev/cdc-wdm0', timeoutSeconds: 30 });
    expect(toHex(encodeMbimSubscribeList([{ service: MBIM_UUID.qmi, cids: [1] }]))).toBe('01000000' + '0c000000' + '18000000' + 'd1a30bc2f97a6e43bf65c7e24fb0f0d3' + '01000000' + '01000000');
  });
});
