import type { DeviceSummary } from '../../../shared/api.js';
import { WorkbenchError } from '../../../shared/errors.js';
import type { VirtualEuicc } from '../../sim/euicc/virtual-euicc.js';
import type { DeviceProvider, OpenedDevice } from '../devices.js';

/**
 * The built-in virtual eUICC as a device (`virtual:<id>`): always present unless fault injection
 * pulled the card. Whoever created the VirtualEuicc closes it (the embedded default does).
 */
export class VirtualDeviceProvider implements DeviceProvider {
  readonly kind = 'virtual' as const;

  constructor(private readonly euicc: VirtualEuicc) {}

  get deviceId(): string {
    return this.euicc.transport.info.id;
  }

  async list(): Promise<DeviceSummary[]> {
    const present = this.euicc.card.present;
    return [
      {
        id: this.deviceId,
        kind: 'virtual',
        label: this.euicc.transport.info.label,
        status: present ? 'present' : 'absent',
        cardType: 'euicc',
        accessMode: 'in-process',
        ...(present ? {} : { reason: 'The virtual card was removed (fault injection).' }),
      },
    ];
  }

  async open(deviceId: string): Promise<OpenedDevice> {
    if (deviceId !== this.deviceId) {
      throw new WorkbenchError('DEVICE_UNKNOWN', `There is no virtual device "${deviceId}".`, `The virtual eUICC is "${this.deviceId}".`, { details: { deviceId } });
    }
    return { transport: this.euicc.transport, accessMode: 'in-process' };
  }
}
