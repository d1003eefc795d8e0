/**
 * Behaviour of real QMI modems as data. The virtual modem reads one row; adding a modem is adding a row.
 */
export interface QmiModemProfile {
  readonly name: string;
  /** Service versions reported by CTL Get Version Info. */
  readonly versions: readonly { readonly service: number; readonly major: number; readonly minor: number }[];
  /**
   * QMI error returned for Open Logical Channel / Send APDU while the card has no usable application
   * (the seed modem's refusal); undefined = such a card is served like any other.
   */
  readonly blankCardRefusal?: number;
  /** QMI error returned for Open Logical Channel whatever the card (firmware without eSIM support). */
  readonly logicalChannelRefusal?: number;
  /** Whether UIM SAP Connection/Request are implemented. */
  readonly sap: boolean;
  /** Physical slots (Get Slot Status); the card sits in slot 1. */
  readonly physicalSlots: number;
}

export const QMI_MODEM_PROFILES = {
  /**
   * Sierra EM7455 of the seed thread: a profile-less eUICC is "no usable SIM", so +CSIM/+CCHO and QMI
   * logical channels are refused, while SAP still reaches the card. AccessDenied (82) is what modems
   * that refuse QMI logical channels answer in the field (lpac #221).
   */
  'sierra-em7455': {
    name: 'Sierra Wireless EM7455 (virtual)',
    versions: [
      { service: 0x00, major: 1, minor: 5 },
      { service: 0x0b, major: 1, minor: 46 },
    ],
    blankCardRefusal: 82,
    sap: true,
    physicalSlots: 1,
  },
  /** SIMCom SIM7600 / Telit LE910C4: Open Logical Channel → AccessDenied (82) even with a profile (lpac #221). */
  'simcom-sim7600': {
    name: 'SIMCom SIM7600 (virtual)',
    versions: [
      { service: 0x00, major: 1, minor: 5 },
      { service: 0x0b, major: 1, minor: 46 },
    ],
    logicalChannelRefusal: 82,
    sap: true,
    physicalSlots: 1,
  },
  /** A modem that serves every card (e.g. Quectel EG25-GL with logical channels). */
  permissive: {
    name: 'Permissive QMI modem (virtual)',
    versions: [
      { service: 0x00, major: 1, minor: 5 },
      { service: 0x0b, major: 1, minor: 60 },
    ],
    sap: true,
    physicalSlots: 2,
  },
} as const satisfies Record<string, QmiModemProfile>;

export type QmiModemProfileName = keyof typeof QMI_MODEM_PROFILES;
