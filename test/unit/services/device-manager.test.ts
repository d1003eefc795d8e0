import { describe, expect, it } from 'vitest';
import type { DeviceSummary } from '../../../shared/api.js';
import type { CardTransport } from '../../../src-main/card/transport.js';
import { DeviceManager, type DeviceProvider } from '../../../src-main/services/devices.js';

/** A provider of one virtual device whose open() says which provider answered. */
function oneDevice(id: string, opened: string[]): DeviceProvider {
  return {
    kind: 'virtual',
    async list(): Promise<DeviceSummary[]> {
      return [{ id, kind: 'virtual', label: id, status: 'present', cardType: 'euicc' }];
    },
    async open(deviceId) {
      if (deviceId !== id) throw new Error(`${id} asked to open ${deviceId}`);
      opened.push(id);
      return { transport: {} as CardTransport };
    },
  };
}

describe('DeviceManager with several providers of one kind', () => {
  it('opens each device through the provider that lists it', async () => {
    const opened: string[] = [];
    const manager = new DeviceManager([oneDevice('virtual:a', opened), oneDevice('virtual:b', opened)]);
    await manager.open('virtual:b');
    await manager.open('virtual:a');
    expect(opened).toEqual(['virtual:b', 'virtual:a']);
    await expect(manager.open('pcsc:nothing')).rejects.toMatchObject({ code: 'DEVICE_UNKNOWN' });
  });
});
