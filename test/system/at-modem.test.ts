/**
 * The virtual AT modem on a real pseudo-terminal (socat), opened with `serialport` and driven
 * through the AT engine, transports and the card layer, for every quirk profile.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { isWorkbenchError } from '../../shared/errors.js';
import { concatBytes, fromHex, toHex } from '../../shared/hex.js';
import { ApduLog } from '../../src-main/card/apdu-log.js';
import { CardSession } from '../../src-main/card/card-session.js';
import { openSerialLink } from '../../src-main/links/serial-port.js';
import type { RunningVirtualAtModem } from '../../src-main/sim/at-modem/pty.js';
import { startVirtualAtModem } from '../../src-main/sim/at-modem/pty.js';
import { AtCsimTransport } from '../../src-main/transports/at/csim-transport.js';
import { createAtCardTransport, openAtModem } from '../../src-main/transports/at/modem.js';
import { probeAtModem } from '../../src-main/transports/at/probe.js';
import { AT_QUIRK_PROFILES } from '../../src-main/transports/at/quirks.js';
import { TEST_PROFILE, makeCard } from '../helpers/sim-card.js';

const ISD_R = 'A0000005591010FFFFFFFF8900000100';
const REQUEST = concatBytes(fromHex('BF3E81C3'), new Uint8Array(195).fill(0x3c));

let running: RunningVirtualAtModem | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});

describe('virtual AT modem on a pty', () => {
  for (const profile of AT_QUIRK_PROFILES) {
    it(`${profile.id}: SELECT ISD-R and STORE DATA round-trip through serialport`, async () => {
      running = await startVirtualAtModem({ card: makeCard({ profile: TEST_PROFILE }).card, profile: profile.id });
      const { engine, selection, identity } = await openAtModem(running.path);
      try {
        // Recognised from its +CGMM answer alone.
        expect(selection.profile.id).toBe(profile.id);
        expect(identity.model).toBe(profile.identity.model);
        const transport = createAtCardTransport(engine, profile, { ownsEngine: false });
        const session = new CardSession(transport, new ApduLog(), { storeDataSegmentSize: 120 });
        const channel = await session.openLogicalChannel(ISD_R);
        const answer = await channel.storeData(REQUEST);
        expect(toHex(answer)).toBe(toHex(concatBytes(Uint8Array.of(0x30, REQUEST.length), REQUEST)));
        await channel.close();
        // Raw +CSIM SELECT of the ISD-R on the basic channel answers like the card does.
        if (profile.commands.csim) {
          const raw = new AtCsimTransport(engine, { profile, ownsEngine: false });
          const select = await raw.transmit(fromHex(`00A4040010${ISD_R}00`));
          expect([0x90, 0x61]).toContain(select[select.length - 2]);
        }
      } finally {
        await engine.close();
      }
    });
  }

  it('seed-em7455 with a blank eUICC: AT_MODEM_REFUSES_BLANK_EUICC with the explanation, and the probe recommends QMI SAP', async () => {
    running = await startVirtualAtModem({ card: makeCard().card, profile: 'seed-em7455' });
    const { engine, selection } = await openAtModem(running.path);
    try {
      expect(selection.profile.id).toBe('seed-em7455');
      const err = await new AtCsimTransport(engine, { profile: selection.profile, ownsEngine: false }).transmit(fromHex('00A40004023F00')).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isWorkbenchError(err, 'AT_MODEM_REFUSES_BLANK_EUICC')).toBe(true);
      const e = err as Error & { hint: string };
      expect(e.message).toMatch(/EF\.ICCID \(2FE2\), got 6A82 .* no profile yet/);
      expect(e.message).toContain('treats the slot as empty');
      expect(e.hint).toMatch(/QMI .*UIM SAP/);
      expect(e.hint).toContain('PC/SC reader');
      expect(e.hint).toContain('own Internet connection');
      const probe = await probeAtModem(engine);
      expect(probe.ati).toEqual(running.modem.profile.identity.ati);
      expect(probe.recommendation.transport).toBe('qmi-sap');
      expect(probe.blankEuiccRefusal?.code).toBe('AT_MODEM_REFUSES_BLANK_EUICC');
    } finally {
      await engine.close();
    }
  });

  it('keeps modem state across close and reopen of the port, and refuses a second opener', async () => {
    running = await startVirtualAtModem({ card: makeCard({ profile: TEST_PROFILE }).card, profile: 'generic' });
    const first = await openAtModem(running.path);
    const second = await openSerialLink(running.path).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isWorkbenchError(second, 'SERIAL_PORT_BUSY')).toBe(true);
    await first.engine.close();
    const again = await openAtModem(running.path);
    try {
      expect((await again.engine.run('AT+CPIN?'))[0]).toBe('+CPIN: READY');
    } finally {
      await again.engine.close();
    }
  });
});

describe('serial port errors', () => {
  it('names a missing port', async () => {
    const err = await openSerialLink('/dev/ttyUSB-does-not-exist').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isWorkbenchError(err, 'SERIAL_PORT_NOT_FOUND')).toBe(true);
  });
});
