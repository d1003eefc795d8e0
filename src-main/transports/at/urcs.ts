/**
 * Unsolicited result codes as data. The engine separates these from command answers (a +CUSATP
 * can arrive between `+CSIM: …` and `OK`) and emits them as events. A line whose prefix is the
 * one the running command expects (e.g. `+CPIN:` for AT+CPIN?) is an answer, not a URC.
 */
export interface UrcDef {
  /** Line prefix (or the whole line when `exact`). */
  readonly prefix: string;
  readonly exact?: boolean;
  /** Stable event kind for listeners. */
  readonly kind: string;
  readonly description: string;
}

export const URC_TABLE: readonly UrcDef[] = [
  { prefix: '+CUSATP:', kind: 'usat-proactive-command', description: 'USAT proactive command from the UICC (27.007 §12.2.4)' },
  { prefix: '+CUSATEND', exact: true, kind: 'usat-session-end', description: 'USAT proactive session ended' },
  { prefix: '+CUSATS:', kind: 'uicc-start-up-state', description: 'UICC start-up state (27.007 §12.2.3)' },
  { prefix: '+CPIN:', kind: 'sim-status', description: 'SIM status changed' },
  { prefix: '+SIM READY', exact: true, kind: 'sim-status', description: 'SIM ready (vendor)' },
  { prefix: '+QUSIM:', kind: 'sim-status', description: 'Quectel (U)SIM type indication' },
  { prefix: '+QIND:', kind: 'vendor-indication', description: 'Quectel indication' },
  { prefix: '^SIMST:', kind: 'sim-status', description: 'Huawei SIM state' },
  { prefix: '+CIEV:', kind: 'indicator', description: 'Indicator event (27.007 +CMER)' },
  { prefix: 'RING', exact: true, kind: 'ring', description: 'Incoming call' },
  { prefix: '+CRING:', kind: 'ring', description: 'Incoming call with type' },
  { prefix: '+CREG:', kind: 'registration', description: 'Circuit-switched registration' },
  { prefix: '+CGREG:', kind: 'registration', description: 'GPRS registration' },
  { prefix: '+CEREG:', kind: 'registration', description: 'EPS registration' },
  { prefix: '+C5GREG:', kind: 'registration', description: '5GS registration' },
  { prefix: '+CGEV:', kind: 'packet-domain-event', description: 'Packet domain event' },
  { prefix: '+CMTI:', kind: 'sms', description: 'New SMS stored' },
  { prefix: '+CMT:', kind: 'sms', description: 'New SMS delivered' },
  { prefix: '+CDS:', kind: 'sms', description: 'SMS status report' },
  { prefix: '+CUSD:', kind: 'ussd', description: 'USSD response' },
  { prefix: '+CTZV:', kind: 'time-zone', description: 'Time zone changed' },
  { prefix: '+CTZE:', kind: 'time-zone', description: 'Time zone and DST changed' },
  { prefix: 'RDY', exact: true, kind: 'modem-started', description: 'Modem finished booting (Quectel)' },
  { prefix: 'POWERED DOWN', exact: true, kind: 'modem-stopped', description: 'Modem powered down' },
];

export interface AtUrc {
  /** Kind from the table, or `unknown` for a line that arrived while no command was running. */
  readonly kind: string;
  readonly line: string;
}

export function matchUrc(line: string): UrcDef | undefined {
  return URC_TABLE.find((u) => (u.exact ? line === u.prefix : line.startsWith(u.prefix)));
}
