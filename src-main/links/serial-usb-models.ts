/**
 * USB ids of cellular modems as data: which model a port belongs to, which quirk profile of
 * src-main/transports/at/quirks.ts fits it, and (where known) which USB interfaces carry AT.
 * Adding a modem is adding a row. `pid` undefined = every product of that vendor.
 */
export interface UsbModemModel {
  readonly vid: string;
  readonly pid?: string;
  readonly vendor: string;
  readonly model: string;
  /** Id of the AT quirk profile to start from; the +CGMM answer can refine it. */
  readonly quirkProfile: string;
  /** bInterfaceNumber values of the AT command ports, when documented for the usual composition. */
  readonly atInterfaces?: readonly number[];
  readonly note?: string;
}

export const USB_MODEM_MODELS: readonly UsbModemModel[] = [
  { vid: '1199', pid: '9071', vendor: 'Sierra Wireless', model: 'EM7455 / MC7455', quirkProfile: 'sierra-mc7455', atInterfaces: [3] },
  { vid: '1199', pid: '9091', vendor: 'Sierra Wireless', model: 'EM7590 / EM7565', quirkProfile: 'sierra-em7590' },
  { vid: '1199', pid: '90d3', vendor: 'Sierra Wireless', model: 'EM9191', quirkProfile: 'sierra-em9191' },
  { vid: '2c7c', pid: '0125', vendor: 'Quectel', model: 'EC25 / EG25', quirkProfile: 'quectel', atInterfaces: [2, 3] },
  { vid: '2c7c', pid: '0121', vendor: 'Quectel', model: 'EC21', quirkProfile: 'quectel', atInterfaces: [2, 3] },
  { vid: '2c7c', pid: '0296', vendor: 'Quectel', model: 'BG96', quirkProfile: 'quectel', atInterfaces: [2, 3] },
  { vid: '2c7c', pid: '0306', vendor: 'Quectel', model: 'EP06 / EG06', quirkProfile: 'quectel', atInterfaces: [2, 3] },
  { vid: '2c7c', pid: '030a', vendor: 'Quectel', model: 'EM05-G', quirkProfile: 'quectel', note: 'In MBIM mode the UICC low-level access fails; use AT.' },
  { vid: '2c7c', pid: '0800', vendor: 'Quectel', model: 'RM5xx (RM500Q / RM520N)', quirkProfile: 'quectel' },
  { vid: '1bc7', vendor: 'Telit', model: 'Telit modem (LE910 / ME310 family)', quirkProfile: 'telit' },
  { vid: '2cb7', pid: '01a2', vendor: 'Fibocom', model: 'FM350-GL', quirkProfile: 'fibocom-fm350' },
  { vid: '0e8d', pid: '7127', vendor: 'Fibocom', model: 'FM350-GL (MediaTek USB id)', quirkProfile: 'fibocom-fm350' },
  { vid: '413c', pid: '81e0', vendor: 'Dell', model: 'DW5821e-eSIM', quirkProfile: 'dell-dw5821e' },
  { vid: '413c', pid: '81d7', vendor: 'Dell', model: 'DW5821e', quirkProfile: 'generic' },
  { vid: '1e0e', pid: '9001', vendor: 'SIMCom', model: 'SIM7600', quirkProfile: 'generic', note: 'No eSIM AT commands; QMI logical channels are refused.' },
  { vid: '12d1', vendor: 'Huawei', model: 'Huawei modem', quirkProfile: 'generic', note: 'Some models cannot open a logical channel through +CSIM.' },
];

/** The most specific row for a USB id (exact product first, then the vendor wildcard). */
export function findUsbModemModel(vid: string, pid: string): UsbModemModel | undefined {
  const v = vid.toLowerCase();
  const p = pid.toLowerCase();
  return USB_MODEM_MODELS.find((m) => m.vid === v && m.pid === p) ?? USB_MODEM_MODELS.find((m) => m.vid === v && m.pid === undefined);
}
