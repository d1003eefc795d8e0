/**
 * Opens the card behind a QMI modem and picks the access mode (ARCHITECTURE.md, "The blank-eUICC
 * problem"): logical channels when the modem accepts them, QMI UIM SAP when it refuses — and says so
 * through `onNotice`, which the WorkbenchApi turns into a visible note.
 *
 * Logical channels are always tried first, even when card status shows no usable application: SAP
 * takes the card away from the modem for the whole session, so it is used only when needed. Card
 * status words the notice (a refused channel + no usable application = the blank-eUICC case), finds
 * an absent card early, and spots a SAP session left behind by an earlier run.
 *
 * The returned transport owns the QMI connection: its close() closes channels or disconnects SAP,
 * releases the client id and closes the link.
 */
import { ISD_R_AID } from '../../card/files.js';
import { WorkbenchError, isWorkbenchError, throwIfAborted } from '../../../shared/errors.js';
import { fromHex } from '../../../shared/hex.js';
import type { ChannelCardTransport, RawCardTransport, TransportInfo } from '../../card/transport.js';
import type { QmuxLink } from '../../links/qmux-link.js';
import { openQmuxLink, qmuxLocationDevice } from '../../links/qmux-open.js';
import type { QmuxLocation } from '../../links/qmux-open.js';
import { QmuxConnection } from './qmi-client.js';
import type { QmiClient, QmiConnectionOptions } from './qmi-client.js';
import { QmiUimChannelTransport } from './qmi-uim-channel-transport.js';
import { QmiUimSapTransport } from './qmi-uim-sap-transport.js';
import { judgeSlot, parseCardStatus } from './uim-status.js';
import type { SlotVerdict } from './uim-status.js';

/** ISD-R AID (SGP.22): the channel probe opens it, as the LPA will. */

export type QmiCardMode = 'auto' | 'channel' | 'sap';

export interface OpenQmiCardOptions extends QmiConnectionOptions {
  /** Where the modem is; or an already open link (tests, custom carriers). */
  readonly location: QmuxLocation | { readonly kind: 'link'; readonly link: QmuxLink };
  /** UIM slot, 1-based. Default 1. */
  readonly slot?: number;
  /** `auto` (default) tries logical channels and falls back to SAP. */
  readonly mode?: QmiCardMode;
  /** AID opened to probe logical channels (default: ISD-R). */
  readonly probeAid?: Uint8Array;
  /** One sentence for the user when the access mode is not the obvious one. */
  readonly onNotice?: (message: string) => void;
  readonly signal?: AbortSignal;
}

export type QmiSapReason = 'blank-card-refused' | 'logical-channel-refused' | 'sap-connected';

export interface OpenedQmiCard {
  readonly transport: ChannelCardTransport | RawCardTransport;
  readonly mode: 'channel' | 'sap';
  /** Why SAP was chosen in auto mode. */
  readonly fallbackReason?: QmiSapReason;
}

/** The sentence the user sees for each reason. */
export const QMI_NOTICE: Readonly<Record<QmiSapReason, string>> = {
  'blank-card-refused': 'logical channels refused by the modem (blank eUICC): using QMI UIM SAP',
  'logical-channel-refused': 'logical channels refused by the modem: using QMI UIM SAP',
  'sap-connected': 'the card is still in a SAP session (left by an earlier run): using QMI UIM SAP',
};

function transportInfo(location: OpenQmiCardOptions['location'], link: QmuxLink, mode: 'channel' | 'sap', slot: number): TransportInfo {
  const device = location.kind === 'link' ? link.description : qmuxLocationDevice(location);
  return {
    id: `qmi:${device}:${slot}`,
    label: `${link.description} slot ${slot} (QMI ${mode === 'sap' ? 'UIM SAP' : 'logical channel'})`,
    kind: 'qmi',
    maxCommandData: 255,
  };
}

async function readVerdict(client: QmiClient, slot: number, signal?: AbortSignal): Promise<SlotVerdict | undefined> {
  try {
    return judgeSlot(parseCardStatus(await client.request('uim.getCardStatus', {}, signal ? { signal } : {})), slot);
  } catch (err) {
    // Old firmware without card status: the channel probe decides.
    if (isWorkbenchError(err, 'QMI_PROTOCOL_ERROR')) return undefined;
    throw err;
  }
}

export async function openQmiCard(options: OpenQmiCardOptions): Promise<OpenedQmiCard> {
  const { signal } = options;
  const slot = options.slot ?? 1;
  const mode = options.mode ?? 'auto';
  const link = options.location.kind === 'link' ? options.location.link : await openQmuxLink(options.location, signal);
  const connection = await QmuxConnection.open(link, options, signal);
  let client: QmiClient | undefined;
  const release = async (): Promise<void> => {
    await client?.close();
    await connection.close();
  };
  try {
    client = await connection.allocateClient('uim', signal ? { signal } : {});
    const openSap = async (reason?: OpenedQmiCard['fallbackReason']): Promise<OpenedQmiCard> => {
      if (reason) options.onNotice?.(QMI_NOTICE[reason]);
      const transport = await QmiUimSapTransport.connect(
        client as QmiClient,
        { slot, info: transportInfo(options.location, link, 'sap', slot), release, onLog: (m) => options.onLog?.('debug', m) },
        signal,
      );
      return { transport, mode: 'sap', ...(reason ? { fallbackReason: reason } : {}) };
    };
    if (mode === 'sap') return await openSap();

    const verdict = await readVerdict(client, slot, signal);
    if (verdict?.kind === 'absent') {
      throw new WorkbenchError('CARD_ABSENT', `The modem sees no card in slot ${slot}.`, 'Insert the card (or switch to the slot holding the eUICC) and try again.', { details: { slot } });
    }
    if (mode === 'auto' && verdict?.kind === 'sap-connected') return await openSap('sap-connected');

    throwIfAborted(signal, 'Opening the card');
    const aid = options.probeAid ?? fromHex(ISD_R_AID);
    const info = transportInfo(options.location, link, 'channel', slot);
    const probe = new QmiUimChannelTransport(client, { slot, info });
    try {
      const channel = await probe.openLogicalChannel(aid, signal);
      // The probe's channel is handed to the first real open of the same AID instead of being reopened.
      return { transport: new QmiUimChannelTransport(client, { slot, info, release, preopened: { aid, channel } }), mode: 'channel' };
    } catch (err) {
      if (mode === 'auto' && isWorkbenchError(err, 'QMI_LOGICAL_CHANNEL_REFUSED')) {
        options.onLog?.('debug', err.message);
        return await openSap(verdict?.kind === 'no-usable-application' ? 'blank-card-refused' : 'logical-channel-refused');
      }
      throw err;
    }
  } catch (err) {
    await release();
    throw err;
  }
}
