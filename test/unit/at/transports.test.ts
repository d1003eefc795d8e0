import { describe, expect, it } from 'vitest';
import { isWorkbenchError } from '../../../shared/errors.js';
import { fromHex, toHex } from '../../../shared/hex.js';
import { ApduLog } from '../../../src-main/card/apdu-log.js';
import { CardSession } from '../../../src-main/card/card-session.js';
import { AtChannelTransport } from '../../../src-main/transports/at/channel-transport.js';
import { AtCsimTransport } from '../../../src-main/transports/at/csim-transport.js';
import { AtEngine } from '../../../src-main/transports/at/engine.js';
import type { AtQuirkProfile } from '../../../src-main/transports/at/quirks.js';
import { findAtQuirkProfile } from '../../../src-main/transports/at/quirks.js';
import type { ModemAnswer } from '../../helpers/at-links.js';
import { ScriptedAtLink, v1 } from '../../helpers/at-links.js';
import { rejectionOf } from '../../helpers/rejections.js';

const ISD_R = fromHex('A0000005591010FFFFFFFF8900000100');
const FAST = { defaultTimeoutMs: 300, resyncTimeoutMs: 150, quietMs: 20 };

function profile(id: string): AtQuirkProfile {
  const p = findAtQuirkProfile(id);
  if (!p) throw new Error(id);
  return p;
}

function setup(id: string, respond: (line: string) => ModemAnswer, maxCommandLine?: number) {
  const link = new ScriptedAtLink(respond);
  const engine = new AtEngine(link, { ...FAST, maxCommandLine });
  return { link, engine, options: { profile: profile(id) } };
}

describe('AtCsimTransport', () => {
  it('sends length in hex characters and upper-case hex, and accepts quoted or unquoted lower-case answers', async () => {
    const answers = ['+CSIM: 6,"019000"', '+CSIM: 4,9000', '+CSIM: 6,"6a8200"'.replace('6a8200', '6a82').replace('6,', '4,')];
    const { link, engine, options } = setup('dell-dw5821e', () => v1(answers.shift() ?? '', 'OK'));
    const t = new AtCsimTransport(engine, options);
    expect(toHex(await t.transmit(fromHex('0070000001')))).toBe('019000');
    expect(toHex(await t.transmit(fromHex('01a4040010a0000005591010ffffffff8900000100')))).toBe('9000');
    expect(toHex(await t.transmit(fromHex('00a40004022fe2')))).toBe('6a82');
    expect(link.written).toEqual(['AT+CSIM=10,"0070000001"', 'AT+CSIM=42,"01A4040010A0000005591010FFFFFFFF8900000100"', 'AT+CSIM=14,"00A40004022FE2"']);
  });

  it('rejects a truncated answer with AT_RESPONSE_MALFORMED, and the next command still works', async () => {
    const answers = [v1('+CSIM: 8,"9000', 'OK'), v1('+CSIM: 4,"9000"', 'OK')];
    const { engine, options } = setup('generic', () => answers.shift());
    const t = new AtCsimTransport(engine, options);
    expect(isWorkbenchError(await rejectionOf(t.transmit(fromHex('80F2000C00'))), 'AT_RESPONSE_MALFORMED')).toBe(true);
    expect(toHex(await t.transmit(fromHex('80F2000C00')))).toBe('9000');
  });

  it('keeps a URC that arrives mid-answer out of the APDU response', async () => {
    const { engine, options } = setup('generic', () => [v1('+CSIM: 6,"AB9000"'), v1('+CUSATP: D0098103012500'), v1('OK')]);
    const t = new AtCsimTransport(engine, options);
    const urcs: string[] = [];
    engine.onUrc((u) => urcs.push(u.kind));
    expect(toHex(await t.transmit(fromHex('80F2000001')))).toBe('ab9000');
    expect(urcs).toEqual(['usat-proactive-command']);
  });

  it('raises AT_MODEM_REFUSES_BLANK_EUICC when +CSIM gets ERROR and the modem sees no usable SIM', async () => {
    const { engine, options } = setup('seed-em7455', (line) => {
      if (line.startsWith('AT+CSIM')) return v1('ERROR');
      if (line === 'AT+CPIN?') return v1('+CME ERROR: 10');
      if (line === 'AT+CUSATR') return v1('+CUSATR: 3,"3709E8CE119C00079C00001FE2600000C3D0000700016000500000000008"', 'OK');
      return v1('ERROR');
    });
    const err = await rejectionOf(new AtCsimTransport(engine, options).transmit(fromHex('00A4040010A0000005591010FFFFFFFF8900000100')));
    expect(isWorkbenchError(err, 'AT_MODEM_REFUSES_BLANK_EUICC')).toBe(true);
    const e = err as Error & { hint: string; details: Record<string, unknown> };
    expect(e.message).toContain('EF.ICCID (2FE2)');
    expect(e.message).toContain('6A82');
    expect(e.message).toContain('it sent a TERMINAL PROFILE');
    expect(e.hint).toContain('QMI');
    expect(e.hint).toContain('PC/SC');
    expect(e.details).toMatchObject({ cpin: '+CME ERROR 10 (SIM not inserted)', cardSeen: true });
  });

  it('keeps the plain command error when the SIM is ready (not the blank-eUICC case)', async () => {
    const { engine, options } = setup('generic', (line) => (line === 'AT+CPIN?' ? v1('+CPIN: READY', 'OK') : v1('ERROR')));
    const err = await rejectionOf(new AtCsimTransport(engine, options).transmit(fromHex('80F2000C00')));
    expect(isWorkbenchError(err, 'AT_COMMAND_FAILED')).toBe(true);
  });
});

describe('AtChannelTransport quirks', () => {
  it('Fibocom: accepts a bare channel number as the +CCHO answer', async () => {
    const { link, engine, options } = setup('fibocom-fm350', (line) => (line.startsWith('AT+CCHO') ? v1('2', 'OK') : line.startsWith('AT+CGLA') ? v1('+CGLA: 4,"9000"', 'OK') : v1('OK')));
    const t = new AtChannelTransport(engine, options);
    const { channel } = await t.openLogicalChannel(ISD_R);
    expect(channel).toBe(2);
    await t.transmit(2, fromHex('82E2910003BF2000'));
    await t.closeLogicalChannel(2);
    expect(link.written).toEqual(['AT+CCHO="A0000005591010FFFFFFFF8900000100"', 'AT+CGLA=2,16,"82E2910003BF2000"', 'AT+CCHC=2']);
  });

  it('Sierra MC7455: uses the hex handle as session id and leaves the CLA channel bits 0', async () => {
    const { link, engine, options } = setup('sierra-mc7455', (line) => (line.startsWith('AT+CCHO') ? v1('+CCHO: 000000000385a7cf', 'OK') : line.startsWith('AT+CGLA') ? v1('+CGLA: 4,"9000"', 'OK') : v1('OK')));
    const t = new AtChannelTransport(engine, options);
    const { channel } = await t.openLogicalChannel(ISD_R);
    expect(channel).toBe(1);
    await t.transmit(channel, fromHex('81E2910003BF2000'));
    await t.transmit(channel, fromHex('C5E2910003BF2000'));
    await t.close();
    expect(link.written).toEqual([
      'AT+CCHO="A0000005591010FFFFFFFF8900000100"',
      'AT+CGLA=000000000385a7cf,16,"80E2910003BF2000"',
      'AT+CGLA=000000000385a7cf,16,"80E2910003BF2000"',
      'AT+CCHC=000000000385a7cf',
    ]);
  });

  it('EM9191 (no +CCHC): closes with MANAGE CHANNEL through +CGLA', async () => {
    const { link, engine, options } = setup('sierra-em9191', (line) => (line.startsWith('AT+CCHO') ? v1('+CCHO: 1', 'OK') : v1('+CGLA: 4,"9000"', 'OK')));
    const t = new AtChannelTransport(engine, options);
    await t.openLogicalChannel(ISD_R);
    await t.closeLogicalChannel(1);
    expect(link.written[1]).toBe('AT+CGLA=1,8,"00708001"');
    expect(link.written.some((l) => l.startsWith('AT+CCHC'))).toBe(false);
  });

  it('Telit: derives maxCommandData from the 400-character line, so STORE DATA segments fit', async () => {
    const { link, engine, options } = setup('telit', (line) => (line.startsWith('AT+CCHO') ? v1('+CCHO: 1', 'OK') : v1(`+CGLA: 4,"9000"`, 'OK')), 400);
    const t = new AtChannelTransport(engine, options);
    expect(t.info.maxCommandData).toBe(178);
    const session = new CardSession(t, new ApduLog(), { storeDataSegmentSize: 255 });
    expect(session.storeDataSegmentSize).toBe(178);
    const channel = await session.openLogicalChannel(ISD_R);
    await channel.storeData(new Uint8Array(400).fill(0x5a));
    const cgla = link.written.filter((l) => l.startsWith('AT+CGLA'));
    expect(cgla.length).toBe(3);
    for (const l of cgla) expect(l.length + 1).toBeLessThanOrEqual(400);
    const err = await rejectionOf(t.transmit(channel.channel, new Uint8Array(5 + 255)));
    expect(isWorkbenchError(err, 'AT_COMMAND_TOO_LONG')).toBe(true);
  });

  it('Quectel: retries a long +CGLA after plain ERROR, within a bound', async () => {
    let errors = 2;
    const { link, engine, options } = setup('quectel', (line) => {
      if (line.startsWith('AT+CCHO')) return v1('+CCHO: 1', 'OK');
      if (line.startsWith('AT+CGLA') && errors-- > 0) return v1('ERROR');
      return v1('+CGLA: 4,"9000"', 'OK');
    });
    const t = new AtChannelTransport(engine, options);
    await t.openLogicalChannel(ISD_R);
    const apdu = Uint8Array.from([0x81, 0xe2, 0x91, 0x00, 120, ...new Uint8Array(120)]);
    expect(toHex(await t.transmit(1, apdu))).toBe('9000');
    expect(link.written.filter((l) => l.startsWith('AT+CGLA')).length).toBe(3);
    errors = 100;
    link.written.length = 0;
    expect(isWorkbenchError(await rejectionOf(t.transmit(1, apdu)), 'AT_COMMAND_FAILED')).toBe(true);
    expect(link.written.filter((l) => l.startsWith('AT+CGLA')).length).toBe(4);
  });

  it('Quectel: does not retry short commands or +CME errors', async () => {
    const { link, engine, options } = setup('quectel', (line) => (line.startsWith('AT+CCHO') ? v1('+CCHO: 1', 'OK') : line.includes('"81F2') ? v1('ERROR') : v1('+CME ERROR: 4')));
    const t = new AtChannelTransport(engine, options);
    await t.openLogicalChannel(ISD_R);
    await rejectionOf(t.transmit(1, fromHex('81F2000000')));
    await rejectionOf(t.transmit(1, Uint8Array.from([0x81, 0xe2, 0x91, 0x00, 120, ...new Uint8Array(120)])));
    expect(link.written.filter((l) => l.startsWith('AT+CGLA')).length).toBe(2);
  });

  it('refuses APDUs on a channel it never opened', async () => {
    const { engine, options } = setup('generic', () => v1('OK'));
    expect(isWorkbenchError(await rejectionOf(new AtChannelTransport(engine, options).transmit(3, fromHex('83F2000000'))), 'AT_CHANNEL_NOT_OPEN')).toBe(true);
  });
});
