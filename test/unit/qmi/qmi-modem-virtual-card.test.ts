/** The virtual QMI modem backed by the real virtual eUICC (src-main/sim/card), in-process. */
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../shared/hex.js';
import type { RawCardTransport } from '../../../src-main/card/transport.js';
import { QMI_MODEM_PROFILES } from '../../../src-main/sim/qmi-modem/modem-profiles.js';
import { VirtualQmiModem } from '../../../src-main/sim/qmi-modem/virtual-qmi-modem.js';
import { QMI_NOTICE, openQmiCard } from '../../../src-main/transports/qmi/open-qmi-card.js';
import { MemoryQmuxLink } from '../../helpers/qmi-memory-link.js';
import { TEST_PROFILE, makeCard } from '../../helpers/sim-card.js';

describe('virtual QMI modem with the virtual eUICC', () => {
  it('blank card: the modem probe finds nothing, channels are refused, SAP reaches the ISD-R', async () => {
    const { card } = makeCard();
    const modem = new VirtualQmiModem(card, QMI_MODEM_PROFILES['sierra-em7455']);
    await modem.start();
    expect(modem.usable).toBe(false);
    const notices: string[] = [];
    const opened = await openQmiCard({ location: { kind: 'link', link: new MemoryQmuxLink(modem) }, onNotice: (m) => notices.push(m) });
    expect(notices).toEqual([QMI_NOTICE['blank-card-refused']]);
    const t = opened.transport as RawCardTransport;
    let fci = await t.transmit(fromHex('00A4040010A0000005591010FFFFFFFF8900000100'));
    // A T=0 card answers 61xx first; SAP is raw access, so the host fetches the FCI itself.
    if (fci[fci.length - 2] === 0x61) fci = await t.transmit(Uint8Array.of(0x00, 0xc0, 0x00, 0x00, fci[fci.length - 1] ?? 0));
    expect(fci[0]).toBe(0x6f);
    expect(toHex(fci.subarray(-2))).toBe('9000');
    await t.close();
    expect(modem.events.filter((e) => e.type === 'sap-disconnect')).toHaveLength(1);
  });

  it('card with an enabled profile: the modem sees a USIM and opens logical channels', async () => {
    const { card } = makeCard({ profile: TEST_PROFILE });
    const modem = new VirtualQmiModem(card, QMI_MODEM_PROFILES['sierra-em7455']);
    await modem.start();
    expect(modem.usable).toBe(true);
    const opened = await openQmiCard({ location: { kind: 'link', link: new MemoryQmuxLink(modem) } });
    expect(opened.mode).toBe('channel');
    await opened.transport.close();
  });
});
