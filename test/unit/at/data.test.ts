import { mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isWorkbenchError } from '../../../shared/errors.js';
import { fromHex, toHex } from '../../../shared/hex.js';
import { listModemPorts } from '../../../src-main/links/serial-discovery.js';
import { SerialLineSplitter, type SerialLine } from '../../../src-main/links/serial-lines.js';
import { findUsbModemModel } from '../../../src-main/links/serial-usb-models.js';
import { apduArgument, channelOfCla, claForChannel, claWithoutChannel, parseApduAnswer } from '../../../src-main/transports/at/apdu-text.js';
import { parseCchoAnswer } from '../../../src-main/transports/at/channel-transport.js';
import { crsmCommandLine, decodeIccid, parseCrsmAnswer } from '../../../src-main/transports/at/crsm.js';
import { csimMaxCommandData } from '../../../src-main/transports/at/csim-transport.js';
import { AT_QUIRK_PROFILES, selectAtQuirkProfile } from '../../../src-main/transports/at/quirks.js';
import { parseCusata, parseCusatr } from '../../../src-main/transports/at/usat.js';

describe('quirk profile selection', () => {
  it('prefers the user override, then the model name, then the USB id', () => {
    expect(selectAtQuirkProfile({ override: 'telit', model: 'EM7455' }).profile.id).toBe('telit');
    expect(selectAtQuirkProfile({ model: 'EM7455' }).profile.id).toBe('seed-em7455');
    expect(selectAtQuirkProfile({ model: 'MC7455' }).profile.id).toBe('sierra-mc7455');
    expect(selectAtQuirkProfile({ usbId: '1199:9071' }).profile.id).toBe('sierra-mc7455');
    expect(selectAtQuirkProfile({ usbId: '1bc7:1201' }).profile.id).toBe('telit');
    expect(selectAtQuirkProfile({ usbId: '2c7c:0125', model: 'EG25' }).profile.id).toBe('quectel');
    expect(selectAtQuirkProfile({ usbId: '2cb7:01a2' }).profile.id).toBe('fibocom-fm350');
    expect(selectAtQuirkProfile({ usbId: '413c:81e0' }).profile.id).toBe('dell-dw5821e');
    expect(selectAtQuirkProfile({ usbId: 'ffff:0001', model: 'Unknown' }).profile.id).toBe('generic');
  });

  it('rejects an unknown override with the list of profiles', () => {
    let err: unknown;
    try {
      selectAtQuirkProfile({ override: 'nope' });
    } catch (e) {
      err = e;
    }
    expect(isWorkbenchError(err, 'AT_QUIRK_PROFILE_UNKNOWN')).toBe(true);
    expect((err as { hint: string }).hint).toContain('seed-em7455');
  });

  it('has unique ids and documents a source for each row', () => {
    expect(new Set(AT_QUIRK_PROFILES.map((p) => p.id)).size).toBe(AT_QUIRK_PROFILES.length);
    for (const p of AT_QUIRK_PROFILES) expect(p.source.length).toBeGreaterThan(10);
  });

  it('the USB model table points at existing profiles', () => {
    expect(findUsbModemModel('1199', '90D3')?.model).toBe('EM9191');
    expect(findUsbModemModel('1bc7', '0036')?.vendor).toBe('Telit');
    expect(findUsbModemModel('dead', 'beef')).toBeUndefined();
  });
});

describe('APDU text and CLA helpers', () => {
  it('formats and parses +CSIM/+CGLA arguments', () => {
    expect(apduArgument(fromHex('80e2910003bf2000'))).toBe('16,"80E2910003BF2000"');
    expect(toHex(parseApduAnswer('4,"9000"', 'x'))).toBe('9000');
    expect(toHex(parseApduAnswer('6, 6a8200'.replace('6a8200', '6a82').replace('6,', '4,'), 'x'))).toBe('6a82');
    for (const bad of ['8,"9000"', '2,"90"', 'garbage', '5,"90001"']) expect(() => parseApduAnswer(bad, 'x')).toThrow(/not a complete APDU response/);
  });

  it('clears and sets logical channel bits in both CLA forms', () => {
    expect(claWithoutChannel(0x81)).toBe(0x80);
    expect(claWithoutChannel(0x03)).toBe(0x00);
    expect(claWithoutChannel(0xc5)).toBe(0x80);
    expect(claWithoutChannel(0x51)).toBe(0x10);
    expect(claForChannel(0x80, 2)).toBe(0x82);
    expect(claForChannel(0x80, 7)).toBe(0xc3);
    expect(channelOfCla(0xc3)).toBe(7);
    expect(channelOfCla(0x01)).toBe(1);
  });

  it('sizes maxCommandData to the command line', () => {
    expect(csimMaxCommandData(2048)).toBe(255);
    expect(csimMaxCommandData(400)).toBe(187);
  });

  it('reads the +CCHO session id in every form', () => {
    expect(parseCchoAnswer(['+CCHO: 1'])).toBe('1');
    expect(parseCchoAnswer(['+CCHO: 000000000385a7cf'])).toBe('000000000385a7cf');
    expect(parseCchoAnswer(['2'])).toBe('2');
    expect(parseCchoAnswer(['+CCHO: "3"'])).toBe('3');
    expect(parseCchoAnswer([])).toBeUndefined();
  });
});

describe('+CRSM and USAT', () => {
  it('builds +CRSM command lines and parses answers', () => {
    expect(crsmCommandLine({ command: 176, fileId: 0x2fe2, p1: 0, p2: 0, p3: 10 })).toBe('AT+CRSM=176,12258,0,0,10');
    expect(crsmCommandLine({ command: 242 })).toBe('AT+CRSM=242');
    expect(crsmCommandLine({ command: 176, fileId: 0x6f07, p3: 9, pathId: '3F007FFF' })).toBe('AT+CRSM=176,28423,0,0,9,,"3F007FFF"');
    expect(parseCrsmAnswer('144,0,"984474560000214365F7"')).toEqual({ sw1: 144, sw2: 0, data: fromHex('984474560000214365F7') });
    expect(parseCrsmAnswer('106,130')).toEqual({ sw1: 106, sw2: 130, data: new Uint8Array(0) });
    expect(decodeIccid(fromHex('984474560000214365F7'))).toBe('8944476500001234567');
  });

  it('parses +CUSATA states and +CUSATR profiles with their meanings', () => {
    expect(parseCusata('+CUSATA: 4,1')).toEqual({ state: 4, meaning: 'UICC active', additionalProfileSupport: true });
    expect(parseCusata('+CUSATA: 1')?.meaning).toContain('ready for profile download');
    expect(parseCusatr(['+CUSATR: 3,"3709e8"', '+CUSATR: 0,""'])).toEqual([
      { storage: 3, meaning: 'UICC profile: the TERMINAL PROFILE last sent to the UICC', profile: '3709E8' },
      { storage: 0, meaning: 'TE profile (set with +CUSATW)', profile: '' },
    ]);
  });
});

describe('serial lines', () => {
  it('splits on CR, LF and CRLF, drops empty lines and flags garbage and overlong lines', () => {
    const lines: SerialLine[] = [];
    const s = new SerialLineSplitter((l) => lines.push(l), 8);
    s.push(new Uint8Array(Buffer.from('\r\nOK\r\n0\rA\u0000B\nABCDEFGHIJ\r\n', 'latin1')));
    expect(lines).toEqual([
      { text: 'OK', garbage: false, truncated: false },
      { text: '0', garbage: false, truncated: false },
      { text: 'AB', garbage: true, truncated: false },
      { text: 'ABCDEFGH', garbage: false, truncated: true },
      { text: 'IJ', garbage: false, truncated: false },
    ]);
  });
});

describe('modem discovery', () => {
  it('finds ttyUSB ports, their by-id names and the USB model from sysfs', async () => {
    const root = await mkdtemp(join(tmpdir(), 'ewb-disc-'));
    const usbDev = join(root, 'sys/devices/usb1/1-1');
    const iface = join(usbDev, '1-1:1.3');
    await mkdir(join(iface, 'ttyUSB2'), { recursive: true });
    await mkdir(join(root, 'sys/bus/usb-serial/drivers/qcserial'), { recursive: true });
    await symlink(join(root, 'sys/bus/usb-serial/drivers/qcserial'), join(iface, 'driver'));
    await writeFile(join(usbDev, 'idVendor'), '1199\n');
    await writeFile(join(usbDev, 'idProduct'), '9071\n');
    await writeFile(join(usbDev, 'product'), 'Sierra Wireless EM7455 Qualcomm Snapdragon X7 LTE-A\n');
    await writeFile(join(iface, 'bInterfaceNumber'), '03\n');
    await mkdir(join(root, 'sys/class/tty/ttyUSB2'), { recursive: true });
    await symlink(join(iface, 'ttyUSB2'), join(root, 'sys/class/tty/ttyUSB2/device'));
    await mkdir(join(root, 'dev/serial/by-id'), { recursive: true });
    await writeFile(join(root, 'dev/ttyUSB2'), '');
    await writeFile(join(root, 'dev/ttyS0'), '');
    await symlink('../../ttyUSB2', join(root, 'dev/serial/by-id/usb-Sierra_Wireless_EM7455-if03-port0'));
    const ports = await listModemPorts({ root });
    expect(ports).toHaveLength(1);
    expect(ports[0]).toMatchObject({
      path: '/dev/ttyUSB2',
      byId: ['/dev/serial/by-id/usb-Sierra_Wireless_EM7455-if03-port0'],
      usb: { vid: '1199', pid: '9071', interfaceNumber: 3, driver: 'qcserial' },
      model: { quirkProfile: 'sierra-mc7455' },
      likelyAt: true,
    });
  });
});
