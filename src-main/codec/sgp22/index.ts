/** SGP.22 v2.5 (RSPDefinitions) schemas, value codings, result tables and the ES10 function table. */
export * from './values.js';
export * from './results.js';
export * from './common.js';
export * from './profiles.js';
export * from './euicc-info.js';
export * from './authentication.js';
export * from './notifications.js';
export * from './bpp.js';
export * from './euicc-management.js';
export * from './es10-functions.js';
export * from './es9-status.js';
