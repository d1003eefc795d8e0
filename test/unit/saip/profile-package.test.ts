import { describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { concatBytes, fromHex, toHex } from '../../../shared/hex.js';
import { encodeTlv, parseTlv } from '../../../src-main/codec/ber-tlv.js';
import {
  buildProfilePackage,
  decodeAlpha,
  decodeImsi,
  encodeAlpha,
  encodeImsi,
  encodeSpn,
  parseProfilePackage,
  parseProfileSize,
  writeProfilePackageFile,
} from '../../../src-main/codec/saip/index.js';
import { expectCode, withTempDir } from '../../helpers/pki-fixtures.js';

const BASE = { iccid: '8949449999999990023', imsi: '001010123456789', spn: 'Test Tel' };

describe('SAIP file contents', () => {
  it('codes EF.IMSI with length byte and parity nibble (TS 31.102)', () => {
    expect(toHex(encodeImsi('001010123456789')).toUpperCase()).toBe('080910101032547698');
    expect(toHex(encodeImsi('2620112345')).toUpperCase()).toBe('062126102143F5FFFF');
    expect(decodeImsi(fromHex('080910101032547698'))).toBe('001010123456789');
    expect(decodeImsi(encodeImsi('2620112345'))).toBe('2620112345');
    expect(decodeImsi(fromHex('FFFFFFFFFFFFFFFFFF'))).toBeUndefined();
  });

  it('codes EF.SPN in the GSM default alphabet, UCS2 when needed, FF padded', () => {
    expect(toHex(encodeSpn('Test@Tel')).toUpperCase()).toBe(`01546573740054656C${'FF'.repeat(8)}`);
    expect(decodeAlpha(encodeAlpha('Ärger £5', 16))).toBe('Ärger £5');
    const ucs2 = encodeAlpha('Тест', 16);
    expect(ucs2[0]).toBe(0x80);
    expect(decodeAlpha(ucs2)).toBe('Тест');
  });
});

describe('SAIP profile package', () => {
  it('round-trips ICCID, IMSI, SPN, PIN/PUK, AKA and file system', () => {
    const pkg = buildProfilePackage({ ...BASE, profileName: 'Demo', pin1: '1234', puk1: '87654321', mncLength: 3, contacts: [{ name: 'Help', number: '+4930123' }] });
    const p = parseProfilePackage(pkg);
    expect(p.header).toEqual({ majorVersion: 2, minorVersion: 3, iccid: BASE.iccid, profileType: 'Demo', mandatoryServices: ['usim', 'milenage'] });
    expect(p.decoded).toEqual({ iccid: BASE.iccid, imsi: BASE.imsi, spn: 'Test Tel', spnDisplayCondition: 1, mncLength: 3, usimAid: 'A0000000871002FFFFFFFF8907090000', usimLabel: 'USIM' });
    expect(toHex(p.files.iccid as Uint8Array).toUpperCase()).toBe('989444999999990920F3');
    expect(p.pins.pin1).toMatchObject({ value: '1234', maxAttempts: 3, retriesLeft: 3 });
    expect(p.pins.puk1).toMatchObject({ value: '87654321', maxAttempts: 10, retriesLeft: 10 });
    expect(toHex(p.aka?.key as Uint8Array)).toBe('465b5ce8b199b49faa5f0a2ee238a6bc');
    expect(p.files.sms).toHaveLength(10);
    expect(p.files.adn).toHaveLength(10);
    expect(toHex(p.files.adn?.[0] as Uint8Array).toUpperCase()).toBe(`48656C70${'FF'.repeat(12)}0591940321F3FFFFFFFFFFFFFFFF`);
    expect(p.elements.map((e) => e.type)).toEqual(['header', 'mf', 'pukCodes', 'pinCodes', 'telecom', 'usim', 'akaParameter', 'genericFileManagement', 'end']);
    expect(p.elements.reduce((n, e) => n + e.length, 0)).toBe(pkg.length);
    expect(p.fileSystem.find((f) => f.path === '3F00/7F10/6F3A')).toMatchObject({ structure: 'linear-fixed', recordLength: 30 });
  });

  it.each([
    [20 * 1024, '20k'],
    [100 * 1024, '100k'],
  ])('pads to %i bytes (%s) within a few percent and still parses', (size, text) => {
    expect(parseProfileSize(text)).toBe(size);
    const pkg = buildProfilePackage({ ...BASE, size });
    expect(Math.abs(pkg.length - size) / size).toBeLessThan(0.02);
    const p = parseProfilePackage(pkg);
    expect(p.decoded.imsi).toBe(BASE.imsi);
    const filler = p.fileSystem.filter((f) => f.path.startsWith('3F00/A0'));
    expect(filler.reduce((n, f) => n + f.content.length, 0)).toBeGreaterThan(size - 3000);
  });

  it('is deterministic and writes files atomically', async () => {
    expect(toHex(buildProfilePackage({ ...BASE, size: 5000 }))).toBe(toHex(buildProfilePackage({ ...BASE, size: 5000 })));
    await withTempDir(async (dir) => {
      const file = path.join(dir, 'sub', 'p.der');
      const written = await writeProfilePackageFile({ ...BASE, size: 4096 }, file);
      const bytes = new Uint8Array(await readFile(file));
      expect(written).toEqual({ path: file, bytes: bytes.length, iccid: BASE.iccid });
      expect(parseProfilePackage(bytes).header.iccid).toBe(BASE.iccid);
    });
  });

  it('keeps unknown and unmodelled PEs with their raw bytes', () => {
    const pkg = buildProfilePackage(BASE);
    const p0 = parseProfilePackage(pkg);
    const endOffset = p0.elements[p0.elements.length - 1]?.offset ?? 0;
    // A PE-SecurityDomain (A6) and a future alternative (BF22) before PE-End.
    const sd = encodeTlv(0xa6, fromHex('A0 03 81 01 20 A1 00'));
    const future = encodeTlv(0xbf22, fromHex('01 02 03'));
    const p = parseProfilePackage(concatBytes(pkg.subarray(0, endOffset), sd, future, pkg.subarray(endOffset)));
    expect(p.elements.slice(-3).map((e) => [e.type, e.modelled])).toEqual([
      ['securityDomain', false],
      ['unknown', false],
      ['end', true],
    ]);
    expect(toHex(p.elements[p.elements.length - 2]?.raw as Uint8Array)).toBe(toHex(future));
  });

  it('raises typed errors for malformed packages', () => {
    const pkg = buildProfilePackage(BASE);
    const p = parseProfilePackage(pkg);
    const usim = p.elements.find((e) => e.type === 'usim');
    const cut = expectCode(() => parseProfilePackage(pkg.subarray(0, pkg.length - 3)), 'SAIP_MALFORMED');
    expect(cut.details).toMatchObject({ peIndex: 8 });
    expect(expectCode(() => parseProfilePackage(pkg.subarray(p.elements[1]?.offset ?? 0)), 'SAIP_MISSING_HEADER').details).toMatchObject({ found: 'mf' });
    expectCode(() => parseProfilePackage(new Uint8Array(0)), 'SAIP_MISSING_HEADER');
    expectCode(() => parseProfilePackage(pkg.subarray(0, p.elements[8]?.offset)), 'SAIP_MISSING_END');
    // Corrupt the USIM PE: its mandatory templateID (81) becomes an unknown tag 9F.
    const broken = pkg.slice();
    const at = (usim?.offset ?? 0) + (parseTlv(usim?.raw as Uint8Array).children?.[1]?.offset ?? 0);
    expect(broken[at]).toBe(0x81);
    broken[at] = 0x8f;
    const err = expectCode(() => parseProfilePackage(broken), 'SAIP_MALFORMED');
    expect(err.details).toMatchObject({ peIndex: 5, offset: usim?.offset, type: 'usim' });
    expectCode(() => parseProfilePackage(concatBytes(pkg, fromHex('AA 00'))), 'SAIP_MALFORMED');
    expectCode(() => buildProfilePackage({ ...BASE, iccid: '12' }), 'SAIP_OPTIONS_INVALID');
    expectCode(() => buildProfilePackage({ ...BASE, imsi: 'x' }), 'EF_VALUE_INVALID');
  });
});
