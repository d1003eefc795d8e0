import { describe, expect, it } from 'vitest';
import { toHex } from '../../../shared/hex.js';
import { encodeAdnRecord, encodeIccidFile as encodeIccid, encodeImsi, pinBlock } from '../../../src-main/codec/ef-coding.js';
import { enabledProfile } from '../../../src-main/sim/euicc/state.js';
import { TEST_PROFILE, makeCard } from '../../helpers/sim-card.js';

const PIN_OK = toHex(pinBlock('1234')).toUpperCase();
const PIN_BAD = toHex(pinBlock('9999')).toUpperCase();
const PUK_OK = toHex(pinBlock('87654321')).toUpperCase();
const PUK_BAD = toHex(pinBlock('11111111')).toUpperCase();
const NEW_PIN = toHex(pinBlock('4321')).toUpperCase();

function card() {
  return makeCard({ profile: TEST_PROFILE, protocol: 'T=1' });
}

describe('file system of the enabled profile', () => {
  it('returns the MF FCP with descriptor, FID, proprietary info, life cycle, ARR reference and PIN status', async () => {
    const { send } = card();
    // PIN1 enabled (PS bit 8) and ADM (bit 7): 90 01 C0, key references 01 and 0A.
    expect(await send('00A40004023F0000')).toBe('622882027821' + '83023F00' + 'A50B8001718303 0C27BA870101'.replace(/ /g, '') + '8A0105' + '8B032F0601' + 'C609' + '9001C0' + '830101' + '83010A' + '9000');
  });

  it('returns EF FCPs with size, structure and SFI', async () => {
    const { send } = card();
    // EF.ICCID: transparent, 10 bytes, SFI 02, rule 5 (read always, update never).
    expect(await send('00A40804022FE200')).toBe('6217' + '82024121' + '83022FE2' + '8A0105' + '8B032F0605' + '8002000A' + '880110' + '9000');
    // EF.ADN: linear fixed, 5 records of 30 bytes, no SFI (88 00).
    expect(await send('00A40804047F106F3A00')).toBe('6219' + '82054221001E05' + '83026F3A' + '8A0105' + '8B032F0603' + '80020096' + '8800' + '9000');
  });

  it('reads EF.ICCID and EF.DIR, and answers 6B00 past the end', async () => {
    const { send } = card();
    expect(await send('00A4080C022FE2')).toBe('9000');
    expect(await send('00B000000A')).toBe(toHex(encodeIccid('8944476500001234567')).toUpperCase() + '9000');
    expect(await send('00B0000804')).toBe(toHex(encodeIccid('8944476500001234567').subarray(8)).toUpperCase() + '9000');
    expect(await send('00B0000A01')).toBe('6B00');
    // EF.DIR by SFI 1E in READ RECORD (P2 = 1E << 3 | 4): record 1 holds the USIM AID.
    expect(await send('00B201F400')).toBe('61184F10A0000000871002FFFFFFFF89070900005004' + '5553494D' + 'FF'.repeat(6) + '9000');
  });

  it('selects ADF.USIM by AID (full and partial) and by 7FFF, and answers from its files', async () => {
    const { send } = card();
    const fcp = await send('00A4040410A0000000871002FFFFFFFF890709000000');
    expect(fcp).toMatch(/^62[0-9A-F]{2}8202782183027FFF8410A0000000871002FFFFFFFF8907090000A5088001718303/);
    expect(fcp.endsWith('9000')).toBe(true);
    expect(await send('00A4040C07A0000000871002')).toBe('9000');
    expect(await send('00A4000C027FFF')).toBe('9000');
    expect(await send('00A4000C026F46')).toBe('9000');
    expect(await send('00B0000011')).toBe('01' + '54657374204F70' + 'FF'.repeat(9) + '9000'); // 'Test Op'
  });

  it('guards EF.IMSI with PIN1: 6982, then 63Cx counters, blocking, PUK unblock', async () => {
    const { send, store } = card();
    expect(await send('00A4080C047FFF6F07')).toBe('9000');
    expect(await send('00B0000009')).toBe('6982');
    expect(await send('0020000100')).toBe('63C3');
    expect(await send(`0020000108${PIN_BAD}`)).toBe('63C2');
    expect(enabledProfile(store.state)?.files.pin1.retriesLeft).toBe(2);
    expect(await send(`0020000108${PIN_OK}`)).toBe('9000');
    expect(enabledProfile(store.state)?.files.pin1.retriesLeft).toBe(3);
    expect(await send('00B0000009')).toBe(toHex(encodeImsi('001010123456789')).toUpperCase() + '9000');
    // Power cycle drops the verification.
    const again = card();
    await again.send('00A4080C047FFF6F07');
    expect(await again.send('00B0000009')).toBe('6982');
    for (const expected of ['63C2', '63C1', '6983', '6983']) expect(await again.send(`0020000108${PIN_BAD}`)).toBe(expected);
    expect(await again.send(`0020000108${PIN_OK}`)).toBe('6983');
    expect(await again.send('002C000100')).toBe('63CA');
    expect(await again.send(`002C000110${PUK_BAD}${NEW_PIN}`)).toBe('63C9');
    expect(await again.send(`002C000110${PUK_OK}${NEW_PIN}`)).toBe('9000');
    expect(await again.send('00B0000009')).toMatch(/9000$/);
    const files = enabledProfile(again.store.state)?.files;
    expect(files?.pin1).toMatchObject({ value: '4321', retriesLeft: 3 });
    expect(files?.puk1.retriesLeft).toBe(10);
  });

  it('blocks the PUK after ten wrong attempts', async () => {
    const { send } = card();
    for (let i = 9; i >= 1; i--) expect(await send(`002C000110${PUK_BAD}${NEW_PIN}`)).toBe(`63C${i.toString(16).toUpperCase()}`);
    expect(await send(`002C000110${PUK_BAD}${NEW_PIN}`)).toBe('6983');
    expect(await send(`002C000110${PUK_OK}${NEW_PIN}`)).toBe('6983');
  });

  it('changes, disables and enables PIN1', async () => {
    const { send, store } = card();
    expect(await send(`0024000110${PIN_BAD}${NEW_PIN}`)).toBe('63C2');
    expect(await send(`0024000110${PIN_OK}${NEW_PIN}`)).toBe('9000');
    expect(await send(`0026000108${PIN_OK}`)).toBe('63C2');
    expect(await send(`0026000108${NEW_PIN}`)).toBe('9000');
    expect(enabledProfile(store.state)?.files.pin1.enabled).toBe(false);
    expect(await send(`0026000108${NEW_PIN}`)).toBe('6985');
    expect(await send(`0024000110${NEW_PIN}${PIN_OK}`)).toBe('6984');
    const fresh = makeCard({ profile: TEST_PROFILE, protocol: 'T=1', store });
    fresh.card.powerOn();
    await fresh.send('00A4080C047FFF6F07');
    expect(await fresh.send('00B0000009')).toMatch(/9000$/); // PIN disabled: no verification needed
    expect(await fresh.send(`0028000108${NEW_PIN}`)).toBe('9000');
    expect(await fresh.send('0020000100')).toBe('9000'); // verified by ENABLE
    expect(await fresh.send('0020008100')).toBe('6A88'); // PIN2 not modelled
  });

  it('updates binary files and persists the change', async () => {
    const { send, store } = card();
    await send(`0020000108${PIN_OK}`);
    expect(await send('00A4080C022F05')).toBe('9000');
    expect(await send('00D60000026465')).toBe('9000');
    expect(await send('00B0000002')).toBe('64659000');
    expect(enabledProfile(store.state)?.files.pl.slice(0, 4)).toBe('6465');
    expect(await send('00D600090201')).toBe('6700');
    expect(await send('00A4080C022FE2')).toBe('9000');
    expect(await send('00D600000100')).toBe('6982'); // EF.ICCID is never updatable
  });

  it('reads and updates records in absolute, next and previous modes', async () => {
    const { send, store } = card();
    await send(`0020000108${PIN_OK}`);
    expect(await send('00A4080C047F106F3A')).toBe('9000');
    const alice = toHex(encodeAdnRecord('Alice', '+4912345')).toUpperCase();
    const empty = 'FF'.repeat(30);
    expect(await send('00B201041E')).toBe(`${alice}9000`);
    expect(await send('00B200021E')).toBe(`${alice}9000`); // next from no pointer = record 1
    expect(await send('00B200021E')).toBe(`${empty}9000`); // record 2
    expect(await send('00B200031E')).toBe(`${alice}9000`); // previous = record 1
    expect(await send('00B200031E')).toBe('6A83');
    expect(await send('00B206041E')).toBe('6A83');
    const bob = toHex(encodeAdnRecord('Bob', '12345')).toUpperCase();
    expect(await send(`00DC03041E${bob}`)).toBe('9000');
    expect(await send('00B203041E')).toBe(`${bob}9000`);
    expect(await send(`00DC03041D${bob.slice(2)}`)).toBe('6700');
    expect(enabledProfile(store.state)?.files.adn[2]).toBe(bob.toLowerCase());
    // EF.SMS is one file under DF.TELECOM and ADF.USIM.
    expect(await send(`00A4080C047F106F3C`)).toBe('9000');
    expect(await send(`00DC0104B0${'01' + 'AB'.repeat(175)}`)).toBe('9000');
    expect(await send('00A4080C047FFF6F3C')).toBe('9000');
    expect(await send('00B20104B0')).toBe('01' + 'AB'.repeat(175) + '9000');
  });

  it('reports command/file mismatches', async () => {
    const { send } = card();
    expect(await send('00B0000001')).toBe('6986'); // no EF selected
    expect(await send('00A4080C022F00')).toBe('9000');
    expect(await send('00B0000001')).toBe('6981'); // record file
    expect(await send('00A4080C022FE2')).toBe('9000');
    expect(await send('00B2010400')).toBe('6981');
    expect(await send('00A4080C026FFF')).toBe('6A82');
    expect(await send('00A4007C023F00')).toBe('6A86');
    expect(await send('00A40004033F0000')).toBe('6700');
  });

  it('speaks GSM 11.11 with class A0 (seed 003: DF.TELECOM, EF.SMS, READ RECORD)', async () => {
    const { send } = makeCard({ profile: { ...TEST_PROFILE, pin1Enabled: false }, protocol: 'T=0' });
    expect(await send('A0A40000027F10')).toBe('9F17');
    const df = await send('A0C0000017');
    // RFU, free memory (FFFF cap), FID 7F10, type DF, …, CHV1 status initialised with 3 tries.
    expect(df).toBe('0000FFFF7F10020000000000' + '0A' + '930002040083' + '8A' + '000000' + '9000');
    expect(await send('A0A40000026F3C')).toBe('9F0F');
    // Size 3 × 176, FID 6F3C, EF, access READ/UPDATE = CHV1/CHV1, linear fixed, record length B0.
    expect(await send('A0C000000F')).toBe('00000210' + '6F3C' + '04' + '00' + '11FF44' + '01' + '02' + '01' + 'B0' + '9000');
    expect(await send('A0B20104B0')).toBe('00' + 'FF'.repeat(175) + '9000');
    expect(await send('A0B2010410')).toBe('67B0');
    expect(await send('A0A40000026F99')).toBe('9404');
    expect(await send('A0F2000017')).toBe('0000FFFF7F10020000000000' + '0A' + '930002040083' + '8A' + '000000' + '9000');
  });

  it('maps PIN failures to GSM status words for class A0', async () => {
    const { send } = makeCard({ profile: TEST_PROFILE, protocol: 'T=0' });
    expect(await send('A0A40000027F20')).toBe('9F17');
    expect(await send('A0A40000026F07')).toBe('9F0F');
    expect(await send('A0B0000009')).toBe('9804');
    expect(await send(`A020000108${PIN_BAD}`)).toBe('9804');
    expect(await send(`A020000108${PIN_OK}`)).toBe('9000');
    expect(await send('A0B0000009')).toBe(toHex(encodeImsi('001010123456789')).toUpperCase() + '9000');
  });
});
