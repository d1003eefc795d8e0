/**
 * QMI protocol error codes (the `error_code` half of result TLV 0x02) as data, named as libqmi names
 * them (`QmiProtocolError`, codes from TRANSPORTS.md §1.2 and libqmi's qmi-errors.h), so our messages read like qmicli's: `QMI protocol error (82): 'AccessDenied'`.
 * Adding a code is adding a row.
 */
import { WorkbenchError } from '../../../shared/errors.js';

export const QMI_ERROR_NAMES: Readonly<Record<number, string>> = {
  0: 'None',
  1: 'MalformedMessage',
  2: 'NoMemory',
  3: 'Internal',
  4: 'Aborted',
  5: 'ClientIdsExhausted',
  6: 'UnabortableTransaction',
  7: 'InvalidClientId',
  8: 'NoThresholdsProvided',
  9: 'InvalidHandle',
  10: 'InvalidProfile',
  11: 'InvalidPinId',
  12: 'IncorrectPin',
  13: 'NoNetworkFound',
  14: 'CallFailed',
  15: 'OutOfCall',
  16: 'NotProvisioned',
  17: 'MissingArgument',
  19: 'ArgumentTooLong',
  22: 'InvalidTransactionId',
  23: 'DeviceInUse',
  24: 'NetworkUnsupported',
  25: 'DeviceUnsupported',
  26: 'NoEffect',
  27: 'NoFreeProfile',
  28: 'InvalidPdpType',
  29: 'InvalidTechnologyPreference',
  30: 'InvalidProfileType',
  31: 'InvalidServiceType',
  32: 'InvalidRegisterAction',
  33: 'InvalidPsAttachAction',
  34: 'AuthenticationFailed',
  35: 'PinBlocked',
  36: 'PinAlwaysBlocked',
  37: 'UimUninitialized',
  38: 'MaximumQosRequestsInUse',
  39: 'IncorrectFlowFilter',
  40: 'NetworkQosUnaware',
  41: 'InvalidQosId',
  42: 'RequestedNumberUnsupported',
  43: 'InterfaceNotFound',
  44: 'FlowSuspended',
  45: 'InvalidDataFormat',
  46: 'GeneralError',
  47: 'UnknownError',
  48: 'InvalidArgument',
  49: 'InvalidIndex',
  50: 'NoEntry',
  51: 'DeviceStorageFull',
  52: 'DeviceNotReady',
  53: 'NetworkNotReady',
  68: 'InsufficientResources',
  70: 'InvalidOperation',
  71: 'InvalidQmiCommand',
  82: 'AccessDenied',
  90: 'IncompatibleState',
  94: 'NotSupported',
  102: 'NoSim',
};

/** libqmi's name for `code`, or `Unknown` for codes outside the table. */
export function qmiErrorName(code: number): string {
  return QMI_ERROR_NAMES[code] ?? 'Unknown';
}

/** Protocol error codes that mean "the modem will not let you do this with this card". */
const REFUSAL_CODES: ReadonlySet<number> = new Set([16, 25, 37, 52, 70, 82, 90, 94, 102]);

/**
 * A response whose result TLV says failure. `details.qmiError` / `details.qmiErrorName` carry the code;
 * `details.message` the message name.
 */
export function qmiProtocolError(messageName: string, code: number): WorkbenchError {
  const name = qmiErrorName(code);
  const refusal = REFUSAL_CODES.has(code);
  return new WorkbenchError(
    'QMI_PROTOCOL_ERROR',
    `${messageName} failed: QMI protocol error (${code}): '${name}'.`,
    refusal
      ? 'The modem refused the request for this card state; a blank eUICC is usually refused here (the SAP path avoids it).'
      : 'Check the modem firmware supports this message; the log shows the exact request.',
    { details: { message: messageName, qmiError: code, qmiErrorName: name } },
  );
}
