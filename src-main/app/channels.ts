/** IPC channel names shared by main and preload. One call channel, one event channel: nothing else is wired. */
export const CALL_CHANNEL = 'workbench:call';
export const EVENT_CHANNEL = 'workbench:event';
