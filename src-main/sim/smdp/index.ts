/** Test SM-DP+ and SM-DS: ES9+/ES11 binding, BPP assembly, orders, HTTPS servers. */
export * from './status.js';
export * from './json.js';
export * from './mutual-auth.js';
export * from './orders.js';
export * from './bpp.js';
export * from './binding.js';
export * from './es9-http.js';
export * from './server.js';
export * from './smds.js';
