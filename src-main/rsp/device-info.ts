/**
 * ctxParams1 (SGP22-DIGEST §3.2 step 6): the matching ID and the DeviceInfo the SM-DP+ uses for its
 * eligibility check. TAC and IMEI codings: 3GPP TS 23.003 digits, the TAC as plain BCD (4 bytes, as
 * lpac and Android send it) and the IMEI as nibble-swapped BCD padded with F (8 bytes).
 */
import { WorkbenchError } from '../../shared/errors.js';
import { fromHex } from '../../shared/hex.js';
import type { CtxParams1Value, DeviceInfoValue } from '../codec/sgp22/index.js';

/** DeviceCapabilities of a desktop LPA with a modem: the radio releases most modules report. */
export const DEFAULT_DEVICE_CAPABILITIES: DeviceInfoValue['deviceCapabilities'] = {
  gsmSupportedRelease: '15.0.0',
  utranSupportedRelease: '15.0.0',
  eutranEpcSupportedRelease: '15.0.0',
};

/** TAC used when no IMEI is given (an unassigned-looking value; servers rarely check it). */
export const DEFAULT_TAC = '35290611';

export interface DeviceIdentity {
  /** 15 digits (or 14 without check digit, or 16 with software version). */
  readonly imei?: string;
  /** 8-digit type allocation code; derived from the IMEI when absent. */
  readonly tac?: string;
  readonly capabilities?: DeviceInfoValue['deviceCapabilities'];
}

function invalidImei(imei: string): WorkbenchError {
  return new WorkbenchError('DOWNLOAD_BAD_IMEI', `"${imei}" is not an IMEI.`, 'An IMEI has 15 digits (dial *#06# on a phone, or AT+CGSN on a modem).', { details: { imei } });
}

/** IMEI digits → 8 bytes, nibble-swapped BCD, F-padded. */
export function encodeImei(imei: string): Uint8Array {
  const digits = imei.replace(/[\s-]/g, '');
  if (!/^\d{14,16}$/.test(digits)) throw invalidImei(imei);
  return fromHex(digits.padEnd(16, 'F').replace(/(.)(.)/g, '$2$1'));
}

/** 8 TAC digits → 4 bytes plain BCD. */
export function encodeTac(tac: string): Uint8Array {
  if (!/^\d{8}$/.test(tac)) throw new WorkbenchError('DOWNLOAD_BAD_TAC', `"${tac}" is not a TAC (8 digits).`, 'The TAC is the first 8 digits of the IMEI.', { details: { tac } });
  return fromHex(tac);
}

export function deviceInfoOf(device: DeviceIdentity = {}): DeviceInfoValue {
  const imei = device.imei?.replace(/[\s-]/g, '');
  if (imei !== undefined && !/^\d{14,16}$/.test(imei)) throw invalidImei(device.imei ?? '');
  const tac = device.tac ?? imei?.slice(0, 8) ?? DEFAULT_TAC;
  return {
    tac: encodeTac(tac),
    deviceCapabilities: device.capabilities ?? DEFAULT_DEVICE_CAPABILITIES,
    ...(imei !== undefined ? { imei: encodeImei(imei) } : {}),
  };
}

/** ctxParams1 for a download (with matching ID) or a discovery (without). */
export function ctxParams1Of(matchingId: string | undefined, device: DeviceIdentity = {}): CtxParams1Value {
  return {
    kind: 'ctxParamsForCommonAuthentication',
    value: { ...(matchingId !== undefined ? { matchingId } : {}), deviceInfo: deviceInfoOf(device) },
  };
}
