import { describe, expect, it } from 'vitest';
import { WorkbenchError, isWorkbenchError } from '../../../shared/errors.js';
import type { ChannelCardTransport, RawCardTransport } from '../../../src-main/card/transport.js';
import { DevicesInUse, asDeviceTransport, deviceIdBody, entriesOfEnv, findWorkbenchError, reasonOf } from '../../../src-main/services/providers/device-transport.js';

function fakeRaw(calls: string[]): RawCardTransport {
  return {
    shape: 'raw',
    info: { id: 'at-csim:/dev/ttyUSB2', label: 'Modem (AT+CSIM)', kind: 'at', maxCommandData: 180 },
    getAtr: async () => Uint8Array.of(0x3b, 0x00),
    transmit: async (command) => {
      calls.push(`transmit ${command.length}`);
      return Uint8Array.of(0x90, 0x00);
    },
    close: async () => {
      calls.push('close');
    },
  };
}

function fakeChannel(calls: string[]): ChannelCardTransport {
  return {
    shape: 'channel',
    info: { id: 'qmi:/dev/cdc-wdm0:1', label: 'QMI (logical channel)', kind: 'qmi' },
    openLogicalChannel: async () => ({ channel: 2 }),
    transmit: async (channel) => Uint8Array.of(channel, 0x90, 0x00),
    closeLogicalChannel: async (channel) => {
      calls.push(`closeChannel ${channel}`);
    },
    close: async () => {
      calls.push('close');
    },
  };
}

describe('asDeviceTransport', () => {
  it('a raw transport under the device id: same label and limits, calls delegated, close once', async () => {
    const calls: string[] = [];
    let closed = 0;
    const t = asDeviceTransport(fakeRaw(calls), 'at:/dev/ttyUSB2', () => closed++);
    expect(t.shape).toBe('raw');
    expect(t.info).toEqual({ id: 'at:/dev/ttyUSB2', label: 'Modem (AT+CSIM)', kind: 'at', maxCommandData: 180 });
    if (t.shape !== 'raw') throw new Error('shape');
    expect(t.reset).toBeUndefined();
    expect(await t.getAtr()).toEqual(Uint8Array.of(0x3b, 0x00));
    expect(await t.transmit(Uint8Array.of(0, 0xa4, 0, 0))).toEqual(Uint8Array.of(0x90, 0x00));
    await Promise.all([t.close(), t.close()]);
    await t.close();
    expect(calls).toEqual(['transmit 4', 'close']);
    expect(closed).toBe(1);
  });

  it('a channel transport keeps its shape and channel calls', async () => {
    const calls: string[] = [];
    const t = asDeviceTransport(fakeChannel(calls), 'qmi:proxy:/dev/cdc-wdm0');
    if (t.shape !== 'channel') throw new Error('shape');
    expect(t.info.id).toBe('qmi:proxy:/dev/cdc-wdm0');
    expect(t.getAtr).toBeUndefined();
    const { channel } = await t.openLogicalChannel(Uint8Array.of(0xa0));
    expect(await t.transmit(channel, Uint8Array.of(0x82, 0xe2))).toEqual(Uint8Array.of(2, 0x90, 0x00));
    await t.closeLogicalChannel(channel);
    await t.close();
    expect(calls).toEqual(['closeChannel 2', 'close']);
  });
});

describe('DevicesInUse', () => {
  it('shows the last summary while an operation holds the device, and frees it on close', async () => {
    const inUse = new DevicesInUse('at');
    expect(inUse.whileOpen('at:/dev/ttyUSB2', 'Modem')).toBeUndefined();
    inUse.remember({ id: 'at:/dev/ttyUSB2', kind: 'at', label: 'EM7455 on /dev/ttyUSB2 (AT)', status: 'present', cardType: 'euicc', accessMode: 'csim' });
    const first = inUse.track(fakeRaw([]), 'at:/dev/ttyUSB2');
    const second = inUse.track(fakeRaw([]), 'at:/dev/ttyUSB2');
    expect(inUse.whileOpen('at:/dev/ttyUSB2', 'Modem')).toEqual({
      id: 'at:/dev/ttyUSB2',
      kind: 'at',
      label: 'EM7455 on /dev/ttyUSB2 (AT)',
      status: 'present',
      cardType: 'euicc',
      accessMode: 'csim',
      reason: 'In use by a running operation.',
    });
    await first.close();
    expect(inUse.whileOpen('at:/dev/ttyUSB2', 'Modem')?.status).toBe('present');
    await second.close();
    expect(inUse.whileOpen('at:/dev/ttyUSB2', 'Modem')).toBeUndefined();
  });

  it('a device never listed shows its kind and label while open', () => {
    const inUse = new DevicesInUse('qmi');
    inUse.track(fakeChannel([]), 'qmi:/dev/cdc-wdm3');
    expect(inUse.whileOpen('qmi:/dev/cdc-wdm3', '/dev/cdc-wdm3 (QMI, slot 1)')).toEqual({ id: 'qmi:/dev/cdc-wdm3', kind: 'qmi', label: '/dev/cdc-wdm3 (QMI, slot 1)', status: 'present', reason: 'In use by a running operation.' });
  });
});

describe('provider helpers', () => {
  it('finds a typed error in the cause chain (CardSession wraps transport errors)', () => {
    const refusal = new WorkbenchError('AT_MODEM_REFUSES_BLANK_EUICC', 'refused', 'use QMI SAP');
    const wrapped = new WorkbenchError('CARD_IO_ERROR', 'Card I/O failed', 'retry', { cause: refusal });
    expect(findWorkbenchError(wrapped, 'AT_MODEM_REFUSES_BLANK_EUICC')).toBe(refusal);
    expect(findWorkbenchError(refusal, 'AT_MODEM_REFUSES_BLANK_EUICC')).toBe(refusal);
    expect(findWorkbenchError(wrapped, 'AT_SIM_NOT_INSERTED')).toBeUndefined();
    expect(findWorkbenchError(new Error('plain'), 'X')).toBeUndefined();
  });

  it('splits comma-separated env entries', () => {
    expect(entriesOfEnv(' /dev/pts/3 ,,/tmp/ttyAT0, ')).toEqual(['/dev/pts/3', '/tmp/ttyAT0']);
    expect(entriesOfEnv(undefined)).toEqual([]);
  });

  it('device id bodies, and DEVICE_UNKNOWN naming the expected form', () => {
    expect(deviceIdBody('at:/dev/ttyUSB2', 'at', '`at:<port>`')).toBe('/dev/ttyUSB2');
    for (const bad of ['at:', 'pcsc:/dev/ttyUSB2', '/dev/ttyUSB2']) {
      let err: unknown;
      try {
        deviceIdBody(bad, 'at', '`at:<port>`');
      } catch (e) {
        err = e;
      }
      expect(isWorkbenchError(err, 'DEVICE_UNKNOWN')).toBe(true);
      expect((err as WorkbenchError).hint).toContain('`at:<port>`');
    }
  });

  it('reasons carry message and hint', () => {
    expect(reasonOf(new WorkbenchError('SERIAL_PORT_BUSY', '/dev/ttyUSB2 is in use by ModemManager.', 'Stop ModemManager.'))).toBe('/dev/ttyUSB2 is in use by ModemManager. Stop ModemManager.');
    expect(reasonOf(new Error('boom'))).toBe('boom');
  });
});
