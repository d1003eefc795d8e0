import { describe, expect, it } from 'vitest';
import { WorkbenchError } from '../../../shared/errors.js';
import { mapTransportError } from '../../../src-main/card/card-errors.js';
import { PCSC_ERRORS, parsePcscFailure, pcscError } from '../../../src-main/links/pcsc-errors.js';
import { libraryLoadError } from '../../../src-main/links/pcsc-library.js';

const binding = (call: string, text: string, value: number): Error => new Error(`${call} error: ${text}(0x${value.toString(16).padStart(8, '0')})`);

describe('PC/SC error table', () => {
  it('has one row per SCARD value', () => {
    expect(new Set(PCSC_ERRORS.map((r) => r.value)).size).toBe(PCSC_ERRORS.length);
  });

  it('parses the binding message into call, code and text', () => {
    expect(parsePcscFailure(new Error('SCardConnect error: Sharing violation.(0x8010000b)'))).toEqual({ call: 'SCardConnect', text: 'Sharing violation.', value: 0x8010000b });
    expect(parsePcscFailure(new Error('Card Reader not connected'))).toEqual({ text: 'Card Reader not connected' });
  });

  it.each([
    [0x8010001d, 'SCardEstablishContext', 'PCSC_UNAVAILABLE', /systemctl start pcscd/],
    [0x8010000b, 'SCardConnect', 'PCSC_READER_BUSY', /another program|scdaemon/],
    [0x80100069, 'SCardTransmit', 'CARD_REMOVED', /Re-insert the card/],
    [0x8010000c, 'SCardConnect', 'CARD_ABSENT', /Insert the card/],
    [0x80100066, 'SCardConnect', 'PCSC_CARD_UNRESPONSIVE', /right way round/],
    [0x80100017, 'SCardTransmit', 'PCSC_READER_UNAVAILABLE', /Plug the reader in again/],
    [0x8010000a, 'SCardGetStatusChange', 'PCSC_TIMEOUT', /Retry/],
  ])('0x%s from %s becomes %s with its hint', (value, call, code, hint) => {
    const err = pcscError(binding(call, 'text', value), { operation: 'Doing it', reader: 'R 00' });
    expect(err.code).toBe(code);
    expect(err.hint).toMatch(hint);
    expect(err.message).toMatch(/^Doing it on "R 00" failed: /);
    expect(err.details).toMatchObject({ reader: 'R 00', call, scard: `0x${value.toString(16).toUpperCase()}` });
  });

  it('unknown codes keep the daemon text', () => {
    const err = pcscError(binding('SCardTransmit', 'Something odd.', 0x80100031), { operation: 'Sending the APDU' });
    expect(err.code).toBe('PCSC_ERROR');
    expect(err.message).toBe('Sending the APDU failed: Something odd.');
  });

  it('WorkbenchErrors pass through', () => {
    const original = new WorkbenchError('ABORTED', 'x', 'y');
    expect(pcscError(original, { operation: 'z' })).toBe(original);
  });

  it('removed card and absent card make the card layer say "card removed"', () => {
    for (const value of [0x80100069, 0x8010000c]) {
      const mapped = mapTransportError(pcscError(binding('SCardTransmit', 't', value), { operation: 'Sending the APDU', reader: 'R' }), 'pcsc:R', undefined);
      expect(mapped.code).toBe('CARD_REMOVED');
    }
    const busy = mapTransportError(pcscError(binding('SCardTransmit', 't', 0x8010000b), { operation: 'Sending the APDU' }), 'pcsc:R', undefined);
    expect(busy.code).toBe('CARD_IO_ERROR');
  });
});

describe('binding load failures', () => {
  it.each([
    ["Cannot find module 'pcsclite'\nRequire stack: …", /not installed/, /libpcsclite-dev.*npm rebuild pcsclite/],
    ['libpcsclite.so.1: cannot open shared object file: No such file or directory', /libpcsclite is not installed/, /apt-get install libpcsclite1/],
    ['The module was compiled against a different Node.js version using NODE_MODULE_VERSION 115', /another Node\.js\/Electron version/, /npm rebuild pcsclite/],
    ['Could not locate the bindings file. Tried: …', /never built/, /npm rebuild pcsclite/],
  ])('%s', (message, what, hint) => {
    const err = libraryLoadError(new Error(message));
    expect(err.code).toBe('PCSC_UNAVAILABLE');
    expect(err.message).toMatch(what);
    expect(err.hint).toMatch(hint);
  });
});
