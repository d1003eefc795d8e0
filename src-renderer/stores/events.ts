import type { WorkbenchEvent } from '../../shared/api.js';
import { useApduLogStore } from './apdu-log.js';
import { useDevicesStore } from './devices.js';
import { useDownloadStore } from './download.js';
import { useNoticesStore } from './notices.js';

/** Routes every pushed WorkbenchEvent to the store that owns its concern. */
export function routeEvent(event: WorkbenchEvent): void {
  switch (event.type) {
    case 'devices-changed':
      useDevicesStore().setDevices(event.devices);
      break;
    case 'apdu':
      useApduLogStore().append([event.row]);
      break;
    case 'notice':
      if (!useDownloadStore().takeNotice(event)) useNoticesStore().push({ level: event.level, message: event.message, deviceId: event.deviceId });
      break;
    case 'operation-progress':
    case 'operation-prompt':
    case 'operation-finished':
      useDownloadStore().onEvent(event);
      break;
  }
}
