/**
 * Recommendations of the probes: what to do next with each transport choice, as data, and how the
 * modem and card probes' recommendations combine into the one a report ends with.
 */
import type { DiagRecommendation } from '../../shared/api.js';

/** The next step once a transport is chosen; the card probe refines it with what the card showed. */
export const TRANSPORT_NEXT_STEPS: Readonly<Record<string, string>> = {
  'at-channel': 'Use this modem with the AT transport (+CCHO/+CGLA) to manage profiles.',
  'at-csim': 'Use this modem with the AT transport (+CSIM) to manage profiles.',
  qmi: "Use this modem's QMI port (logical channels) to manage profiles.",
  'qmi-sap':
    "Open the card through the modem's QMI port — this tool switches to QMI UIM SAP by itself — or move it to a PC/SC reader, then download the first profile over this computer's own network.",
  qmicli: 'Use the qmicli bridge transport to manage profiles.',
  pcsc: 'Use the PC/SC reader to manage profiles.',
  virtual: 'Use the virtual eUICC to manage profiles.',
  none: 'Insert the card (or select the slot that holds it) and probe again.',
};

/** A recommendation with the standard next step of its transport. */
export function recommendation(transport: string, reason: string): DiagRecommendation {
  return { transport, reason, nextStep: TRANSPORT_NEXT_STEPS[transport] ?? TRANSPORT_NEXT_STEPS.none ?? '' };
}

/**
 * The report's recommendation: the card probe's when it reached the ISD-R (it knows the card and the
 * transport that works), else the first modem's (it knows why the card is out of reach), else the card's.
 */
export function combineRecommendations(card: { readonly reachedIsdr: boolean; readonly recommendation: DiagRecommendation } | undefined, modems: readonly (DiagRecommendation | undefined)[]): DiagRecommendation {
  if (card?.reachedIsdr) return card.recommendation;
  const modem = modems.find((m) => m !== undefined);
  return modem ?? card?.recommendation ?? recommendation('none', 'Nothing on this device reached the card.');
}
