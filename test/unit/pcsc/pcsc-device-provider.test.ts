import { afterEach, describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../shared/hex.js';
import { ApduLog } from '../../../src-main/card/apdu-log.js';
import { PcscContext } from '../../../src-main/links/pcsc-context.js';
import { libraryLoadError } from '../../../src-main/links/pcsc-library.js';
import { DeviceManager } from '../../../src-main/services/devices.js';
import { PcscDeviceProvider, readerOfDeviceId } from '../../../src-main/services/providers/pcsc-provider.js';
import { FakePcscDaemon, fakeCardOf } from '../../helpers/pcsc-fake.js';
import { TEST_PROFILE, makeCard } from '../../helpers/sim-card.js';

let provider: PcscDeviceProvider | undefined;
afterEach(async () => {
  await provider?.close();
  provider = undefined;
});

function providerOn(daemon: FakePcscDaemon, log = new ApduLog()): PcscDeviceProvider {
  provider = new PcscDeviceProvider({ context: new PcscContext({ loadLibrary: async () => daemon.factory }), log });
  return provider;
}

describe('PcscDeviceProvider', () => {
  it('lists every reader with its card state and card type, probing each insertion once', async () => {
    const daemon = new FakePcscDaemon();
    for (const name of ['A 00 00', 'B 00 00', 'C 00 00', 'D 00 00', 'E 00 00']) daemon.addReader(name);
    daemon.insertCard('A 00 00', fakeCardOf(makeCard().card));
    daemon.insertCard('B 00 00', fakeCardOf(makeCard({ profile: TEST_PROFILE, applets: [] }).card));
    daemon.insertCard('D 00 00', { atr: new Uint8Array(0), mute: true, transmit: async () => new Uint8Array(0) });
    daemon.insertCard('E 00 00', fakeCardOf(makeCard().card));
    daemon.holdExclusively('E 00 00');
    const log = new ApduLog();
    const p = providerOn(daemon, log);
    const devices = await p.list();
    expect(devices.map((d) => [d.id, d.status, d.cardType ?? '-', d.accessMode ?? '-'])).toEqual([
      ['pcsc:A 00 00', 'present', 'euicc', 'pcsc'],
      ['pcsc:B 00 00', 'present', 'sim', 'pcsc'],
      ['pcsc:C 00 00', 'absent', '-', '-'],
      ['pcsc:D 00 00', 'unavailable', '-', '-'],
      ['pcsc:E 00 00', 'unavailable', '-', '-'],
    ]);
    expect(devices[0]?.label).toBe('A 00 00 (PC/SC)');
    expect(devices[3]?.reason).toContain('does not answer (mute)');
    expect(devices[4]?.reason).toContain('another program holds the card exclusively');
    const probes = log.entries().length;
    await p.list();
    expect(log.entries().length).toBe(probes);
    // A new insertion is probed again: a plain SIM now sits in reader A.
    daemon.removeCard('A 00 00');
    daemon.insertCard('A 00 00', fakeCardOf(makeCard({ profile: TEST_PROFILE, applets: [] }).card));
    await p.context.waitForReader('A 00 00', (s) => s?.cardEvents === 3);
    expect((await p.list())[0]?.cardType).toBe('sim');
  });

  it('opens a reader as a raw PC/SC transport', async () => {
    const daemon = new FakePcscDaemon();
    daemon.addReader('A 00 00');
    daemon.insertCard('A 00 00', fakeCardOf(makeCard().card, ['T=1']));
    const p = providerOn(daemon);
    const opened = await p.open('pcsc:A 00 00');
    expect(opened.accessMode).toBe('pcsc');
    expect(opened.transport.info.id).toBe('pcsc:A 00 00');
    if (opened.transport.shape !== 'raw') throw new Error('expected a raw transport');
    expect(toHex(await opened.transport.transmit(fromHex('0070000001')))).toBe('019000');
    // While it is open, listing does not probe it (and does not call our own connection "exclusive").
    expect((await p.list())[0]).toMatchObject({ status: 'present', cardType: 'unknown' });
    await opened.transport.close();
  });

  it('without pcscd: one unavailable entry with the reason, no exception; the device manager still lists the rest', async () => {
    const daemon = new FakePcscDaemon();
    daemon.running = false;
    const p = providerOn(daemon);
    const devices = await new DeviceManager([p]).list();
    expect(devices).toEqual([{ id: 'pcsc:*', kind: 'pcsc', label: 'PC/SC readers', status: 'unavailable', reason: expect.stringContaining('sudo systemctl start pcscd') }]);
    await expect(p.open('pcsc:A 00 00')).rejects.toMatchObject({ code: 'PCSC_UNAVAILABLE' });
  });

  it('without the pcsclite binding: unavailable with the rebuild hint', async () => {
    provider = new PcscDeviceProvider({ context: new PcscContext({ loadLibrary: async () => Promise.reject(libraryLoadError(new Error("Cannot find module 'pcsclite'"))) }) });
    const [entry] = await provider.list();
    expect(entry).toMatchObject({ status: 'unavailable', reason: expect.stringMatching(/not installed.*npm rebuild pcsclite/s) });
  });

  it('device ids are pcsc:<reader name>', () => {
    expect(readerOfDeviceId('pcsc:Virtual PCD 00 00')).toBe('Virtual PCD 00 00');
    expect(() => readerOfDeviceId('at:/dev/ttyUSB2')).toThrow(expect.objectContaining({ code: 'DEVICE_UNKNOWN' }));
    expect(() => readerOfDeviceId('pcsc:')).toThrow(expect.objectContaining({ code: 'DEVICE_UNKNOWN' }));
  });
});
