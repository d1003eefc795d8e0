import { describe, expect, it } from 'vitest';
import { formatActivationCode, parseActivationCode } from '../../../src-main/rsp/activation-code.js';
import { isWorkbenchError } from '../../../shared/errors.js';

describe('parseActivationCode — valid codes', () => {
  const cases: [string, string, ReturnType<typeof parseActivationCode>][] = [
    ['minimal', 'LPA:1$smdp.example.com$ABCD-1234', { smdpAddress: 'smdp.example.com', matchingId: 'ABCD-1234', confirmationCodeRequired: false }],
    ['lower-case prefix', 'lpa:1$smdp.example.com$ABCD-1234', { smdpAddress: 'smdp.example.com', matchingId: 'ABCD-1234', confirmationCodeRequired: false }],
    ['no prefix', '1$smdp.example.com$X', { smdpAddress: 'smdp.example.com', matchingId: 'X', confirmationCodeRequired: false }],
    ['whitespace and newline around', '  LPA:1$smdp.example.com$X\n', { smdpAddress: 'smdp.example.com', matchingId: 'X', confirmationCodeRequired: false }],
    ['upper-case host is normalised', 'LPA:1$SMDP.Example.COM$X', { smdpAddress: 'smdp.example.com', matchingId: 'X', confirmationCodeRequired: false }],
    ['CC required without OID', 'LPA:1$smdp.example.com$X$$1', { smdpAddress: 'smdp.example.com', matchingId: 'X', confirmationCodeRequired: true }],
    ['OID and CC flag', 'LPA:1$smdp.example.com$X$1.3.6.1.4.1.31746$1', { smdpAddress: 'smdp.example.com', matchingId: 'X', smdpOid: '1.3.6.1.4.1.31746', confirmationCodeRequired: true }],
    ['explicit CC 0', 'LPA:1$smdp.example.com$X$$0', { smdpAddress: 'smdp.example.com', matchingId: 'X', confirmationCodeRequired: false }],
    ['empty matching id', 'LPA:1$smdp.example.com$', { smdpAddress: 'smdp.example.com', confirmationCodeRequired: false }],
    ['no matching id field', 'LPA:1$smdp.example.com', { smdpAddress: 'smdp.example.com', confirmationCodeRequired: false }],
    ['matching id with characters lpac refuses', 'LPA:1$smdp.example.com$K2_A.b+c/d=', { smdpAddress: 'smdp.example.com', matchingId: 'K2_A.b+c/d=', confirmationCodeRequired: false }],
    ['host with port (lab)', 'LPA:1$testsmdpplus1.example.com:8443$M', { smdpAddress: 'testsmdpplus1.example.com:8443', matchingId: 'M', confirmationCodeRequired: false }],
    ['loopback literal', 'LPA:1$127.0.0.1:9443$M', { smdpAddress: '127.0.0.1:9443', matchingId: 'M', confirmationCodeRequired: false }],
  ];
  it.each(cases)('%s', (_name, input, expected) => {
    expect(parseActivationCode(input)).toEqual(expected);
  });
});

describe('parseActivationCode — bad input gives a typed error with a hint', () => {
  const cases: [string, string, string][] = [
    ['empty', '   ', 'AC_EMPTY'],
    ['wrong format version', 'LPA:2$smdp.example.com$X', 'AC_UNSUPPORTED_FORMAT'],
    ['missing format', 'LPA:$smdp.example.com$X', 'AC_UNSUPPORTED_FORMAT'],
    ['random text', 'hello world', 'AC_UNSUPPORTED_FORMAT'],
    ['missing address', 'LPA:1$$X', 'AC_MISSING_ADDRESS'],
    ['URL instead of host', 'LPA:1$https://smdp.example.com$X', 'AC_BAD_ADDRESS'],
    ['double dot', 'LPA:1$smdp..example.com$X', 'AC_BAD_ADDRESS'],
    ['label starting with hyphen', 'LPA:1$-smdp.example.com$X', 'AC_BAD_ADDRESS'],
    ['underscore in host', 'LPA:1$smdp_1.example.com$X', 'AC_BAD_ADDRESS'],
    ['single label', 'LPA:1$smdp$X', 'AC_BAD_ADDRESS'],
    ['space in host', 'LPA:1$smdp example.com$X', 'AC_BAD_ADDRESS'],
    ['port out of range', 'LPA:1$smdp.example.com:70000$X', 'AC_BAD_ADDRESS'],
    ['bad OID', 'LPA:1$smdp.example.com$X$oid-1$1', 'AC_BAD_OID'],
    ['bad CC flag', 'LPA:1$smdp.example.com$X$$yes', 'AC_BAD_CC_FLAG'],
    ['too many fields', 'LPA:1$smdp.example.com$X$$1$extra', 'AC_MALFORMED'],
    ['two lines pasted', 'LPA:1$smdp.example.com$X\nLPA:1$other.example.com$Y', 'AC_MALFORMED'],
    ['matching id with space at the end', 'LPA:1$smdp.example.com$X $1.2.3', 'AC_BAD_MATCHING_ID'],
  ];
  it.each(cases)('%s', (_name, input, code) => {
    let caught: unknown;
    try {
      parseActivationCode(input);
    } catch (err) {
      caught = err;
    }
    expect(isWorkbenchError(caught, code)).toBe(true);
    if (isWorkbenchError(caught)) expect(caught.hint.length).toBeGreaterThan(10);
  });
});

describe('formatActivationCode', () => {
  it.each(['LPA:1$smdp.example.com$ABCD-1234', 'LPA:1$smdp.example.com$X$$1', 'LPA:1$smdp.example.com$X$1.3.6.1.4.1.31746$1', 'LPA:1$smdp.example.com$'])(
    'round-trips %s',
    (code) => {
      expect(formatActivationCode(parseActivationCode(code))).toBe(code);
    },
  );
});
