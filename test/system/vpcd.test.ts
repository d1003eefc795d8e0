/**
 * The virtual eUICC in a real PC/SC stack: Debian pcscd with vsmartcard's vpcd reader driver, the
 * card connected through VpcdClient, then pcsc_scan and scriptor (pcsc-tools) talk to it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toSpacedHex } from '../../shared/hex.js';
import { DEFAULT_ATR_HEX } from '../../src-main/sim/card/atr.js';
import { EcasdApplet, Es10Applet } from '../../src-main/sim/card/es10-applet.js';
import { VirtualCard } from '../../src-main/sim/card/virtual-card.js';
import { StateStore } from '../../src-main/sim/euicc/state-store.js';
import { VpcdClient } from '../../src-main/sim/vpcd/vpcd-client.js';
import { VPCD_DEFAULT_PORT } from '../../src-main/sim/vpcd/vpcd-protocol.js';
import { missingPcscTools, pcscScanCards, scriptor, startPcscd, type PcscdHandle } from '../helpers/sim-pcscd.js';

const missing = missingPcscTools();
const READER = 'Virtual PCD 00 00';
const ATR_TEXT = toSpacedHex(Uint8Array.from(Buffer.from(DEFAULT_ATR_HEX, 'hex')));
const SELECT_ISD_R = '00 A4 04 00 10 A0 00 00 05 59 10 10 FF FF FF FF 89 00 00 01 00';

describe.skipIf(missing.length > 0)(`virtual eUICC behind real pcscd + vpcd${missing.length > 0 ? ` (skipped: not installed: ${missing.join(', ')})` : ''}`, () => {
  let pcscd: PcscdHandle | undefined;
  let client: VpcdClient | undefined;
  let card: VirtualCard | undefined;

  /** Polls pcsc_scan until reader 0's block satisfies `ok`; returns that block. */
  async function waitForReader(ok: (block: string) => boolean): Promise<string> {
    let block = '';
    const until = Date.now() + 15_000;
    for (;;) {
      const scan = await pcscScanCards();
      block = scan.slice(scan.indexOf(`Reader 0: ${READER}`)).split(/\n Reader 1/)[0] ?? '';
      if (ok(block) || Date.now() > until) return block;
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  beforeAll(async () => {
    pcscd = await startPcscd(VPCD_DEFAULT_PORT);
    card = new VirtualCard({
      store: StateStore.inMemory(),
      applets: [new Es10Applet({ handler: async () => null }), new EcasdApplet()],
    });
    client = new VpcdClient({ card, port: VPCD_DEFAULT_PORT, initialDelayMs: 100 });
    client.start();
    await client.whenConnected(AbortSignal.timeout(15_000));
  });

  afterAll(async () => {
    await client?.stop();
    await pcscd?.stop();
  });

  const FCI = '6F1F8410A0000005591010FFFFFFFF8900000100A5049F6501FFE0058203020202';

  it('is listed by pcsc_scan with its ATR', async () => {
    const block = await waitForReader((b) => b.includes('ATR:'));
    expect(block).toContain('Card inserted');
    expect(block).toContain(`ATR: ${ATR_TEXT}`);
  });

  it('answers SELECT ISD-R through scriptor with T=0: 61 21, then the FCI on GET RESPONSE', async () => {
    const { responses, output } = await scriptor(READER, [SELECT_ISD_R, '00 C0 00 00 21'], 'T=0');
    expect(output, output).toContain('Using T=0 protocol');
    expect(responses).toEqual(['6121', `${FCI}9000`]);
  });

  it('leaves the reader when pulled and, reinserted, answers again with T=1', async () => {
    // pcscd keeps the negotiated protocol for the card's session; a new insertion starts a new one.
    card?.remove();
    expect(await waitForReader((b) => b.includes('Card removed'))).toContain('Card removed');
    card?.insert();
    expect(await waitForReader((b) => b.includes('ATR:'))).toContain(`ATR: ${ATR_TEXT}`);
    // vpcd does not tell the card which protocol pcscd chose: the card keeps its configured T=0
    // behaviour, so a wrong Le still gets 6C xx.
    const { responses, output } = await scriptor(READER, [SELECT_ISD_R, '00 C0 00 00 00', '00 C0 00 00 21'], 'T=1');
    expect(output, output).toContain('Using T=1 protocol');
    expect(responses).toEqual(['6121', '6C21', `${FCI}9000`]);
  });
});
