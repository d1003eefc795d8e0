import { describe, expect, it } from 'vitest';
import { fromHex } from '../../../shared/hex.js';
import { ApduLog } from '../../../src-main/card/apdu-log.js';
import { CardSession } from '../../../src-main/card/card-session.js';
import { EcasdApplet, Es10Applet } from '../../../src-main/sim/card/es10-applet.js';
import { VirtualCardTransport } from '../../../src-main/sim/card/in-process-transport.js';
import { identifyCard } from '../../../src-main/euicc/identify-card.js';
import { ScriptedRawCard } from '../../helpers/scripted-card.js';
import { TEST_PROFILE, echoHandler, makeCard } from '../../helpers/sim-card.js';

function sessionOn(card: ReturnType<typeof makeCard>['card']): { session: CardSession; log: ApduLog } {
  const log = new ApduLog();
  return { session: new CardSession(new VirtualCardTransport(card), log), log };
}

const commands = (log: ApduLog): string[] => log.entries().map((e) => e.command.replace(/ /g, ''));

describe('identifyCard', () => {
  it("an eUICC: the ISD-R answers on a logical channel, which is closed again", async () => {
    const { session, log } = sessionOn(makeCard().card);
    expect(await identifyCard(session)).toBe('euicc');
    expect(commands(log)).toEqual(['0070000001', '01A4040010A0000005591010FFFFFFFF8900000100', '01C0000021', '0070800100']);
  });

  it('an eUICC with a non-standard ISD-R AID (5ber) is found too', async () => {
    const aid = fromHex('A0000005591010FFFFFFFF8900050500');
    const { session } = sessionOn(makeCard({ applets: [new Es10Applet({ aid, handler: echoHandler }), new EcasdApplet()] }).card);
    expect(await identifyCard(session)).toBe('euicc');
  });

  it('a plain SIM: no ISD-R, the MF answers', async () => {
    const { session, log } = sessionOn(makeCard({ profile: TEST_PROFILE, applets: [] }).card);
    expect(await identifyCard(session)).toBe('sim');
    const closeAndReopen = ['0070800100', '0070000001'];
    expect(commands(log)).toEqual([
      '0070000001',
      '01A4040010A0000005591010FFFFFFFF8900000100',
      ...closeAndReopen,
      '01A4040010A0000005591010FFFFFFFF8900050500',
      ...closeAndReopen,
      '01A4040010A0000005591010000000008900000300',
      '0070800100',
      '00A40004023F00',
      '00C000002A',
    ]);
  });

  it('a 2G SIM that knows only the GSM class: sim; a card that answers nothing useful: unknown', async () => {
    const gsm = new ScriptedRawCard([
      { send: '0070000001', reply: '6E00' },
      { send: '0070000001', reply: '6E00' },
      { send: '0070000001', reply: '6E00' },
      { send: '00A40004023F00', reply: '6E00' },
      { send: 'A0A40000023F00', reply: '9F1A' },
      { send: 'A0C000001A', reply: `${'00'.repeat(26)}9000` },
    ]);
    expect(await identifyCard(new CardSession(gsm, new ApduLog()))).toBe('sim');
    gsm.assertDone();
    const mute = new ScriptedRawCard([
      { send: '0070000001', reply: '6A81' },
      { send: '0070000001', reply: '6A81' },
      { send: '0070000001', reply: '6A81' },
      { send: '00A40004023F00', reply: '6A82' },
      { send: 'A0A40000023F00', reply: '6E00' },
    ]);
    expect(await identifyCard(new CardSession(mute, new ApduLog()))).toBe('unknown');
    mute.assertDone();
  });

  it('a removed card is an error, not a type', async () => {
    const { card } = makeCard();
    const { session } = sessionOn(card);
    card.remove();
    await expect(identifyCard(session)).rejects.toMatchObject({ code: 'CARD_REMOVED' });
  });
});
