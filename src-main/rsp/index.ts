/** The rsp layer: activation codes, ES9+/ES11 client, download orchestrator, notification queue, discovery. */
export * from './activation-code.js';
export * from './device-info.js';
export * from './discovery.js';
export * from './download.js';
export * from './es9-client.js';
export * from './es9-status.js';
export * from './mutual-auth.js';
export * from './notification-queue.js';
export * from './profile-metadata.js';
export * from './rsp-agent.js';
export * from './tls-trust.js';
