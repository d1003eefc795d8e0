/**
 * Typed views of UIM Get Card Status / Get Slot Status answers, and the one judgement the fallback
 * needs: does the modem see a usable application on the card in this slot?
 */
import { qmiBytes, qmiNumber, qmiRecords } from './qmi-codec.js';
import type { QmiRecord } from './qmi-fields.js';
import { UIM } from './qmi-messages.js';

export interface UimApplication {
  readonly type: number;
  readonly state: number;
  readonly aid: Uint8Array;
}

export interface UimCard {
  readonly state: number;
  readonly errorCode: number;
  readonly applications: readonly UimApplication[];
}

export interface UimCardStatus {
  /** One entry per slot, slot 1 first. */
  readonly cards: readonly UimCard[];
}

export function parseCardStatus(values: QmiRecord): UimCardStatus {
  if (values.cards === undefined) return { cards: [] };
  return {
    cards: qmiRecords(values, 'cards').map((c) => ({
      state: qmiNumber(c, 'cardState'),
      errorCode: qmiNumber(c, 'errorCode'),
      applications: qmiRecords(c, 'applications').map((a) => ({ type: qmiNumber(a, 'type'), state: qmiNumber(a, 'state'), aid: qmiBytes(a, 'aid') })),
    })),
  };
}

/** States in which the modem has not accepted the application (unknown, illegal). */
const UNUSABLE_APP_STATES: ReadonlySet<number> = new Set([UIM.appState.unknown, UIM.appState.illegal]);

export type SlotVerdict =
  | { readonly kind: 'absent' }
  | { readonly kind: 'sap-connected' }
  | { readonly kind: 'error'; readonly errorCode: number }
  | { readonly kind: 'no-usable-application' }
  | { readonly kind: 'usable' };

/** What card status says about `slot` (1-based). */
export function judgeSlot(status: UimCardStatus, slot: number): SlotVerdict {
  const card = status.cards[slot - 1];
  if (card === undefined || card.state === UIM.cardState.absent) return { kind: 'absent' };
  if (card.state === UIM.cardState.error) {
    return card.errorCode === UIM.cardError.sapConnected ? { kind: 'sap-connected' } : { kind: 'error', errorCode: card.errorCode };
  }
  return card.applications.some((a) => !UNUSABLE_APP_STATES.has(a.state)) ? { kind: 'usable' } : { kind: 'no-usable-application' };
}

export interface UimPhysicalSlot {
  readonly cardPresent: boolean;
  readonly active: boolean;
  readonly logicalSlot: number;
  readonly iccid: Uint8Array;
  readonly atr?: Uint8Array;
  readonly isEuicc?: boolean;
  readonly eid?: Uint8Array;
}

export function parseSlotStatus(values: QmiRecord): UimPhysicalSlot[] {
  if (values.physicalSlots === undefined) return [];
  const info = values.slotInformation === undefined ? [] : qmiRecords(values, 'slotInformation');
  const eids = values.eids === undefined ? [] : qmiRecords(values, 'eids');
  return qmiRecords(values, 'physicalSlots').map((s, i) => {
    const extra = info[i];
    const eid = eids[i];
    return {
      cardPresent: qmiNumber(s, 'physicalCardState') === UIM.physicalCardState.present,
      active: qmiNumber(s, 'physicalSlotState') === UIM.physicalSlotState.active,
      logicalSlot: qmiNumber(s, 'logicalSlot'),
      iccid: qmiBytes(s, 'iccid'),
      ...(extra ? { atr: qmiBytes(extra, 'atr'), isEuicc: qmiNumber(extra, 'isEuicc') !== 0 } : {}),
      ...(eid ? { eid: qmiBytes(eid, 'eid') } : {}),
    };
  });
}
