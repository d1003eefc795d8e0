/** The euicc layer: ES10a/b/c on the ISD-R, sessions, and conversions to the WorkbenchApi shapes. */
export * from './es10-client.js';
export * from './es10-results.js';
export * from './es10-session.js';
export * from './isdr.js';
export * from './bpp-segments.js';
export * from './summaries.js';
