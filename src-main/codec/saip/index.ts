/** SAIP profile packages: schemas, file-content codings, builder and parser. */
export * from './schemas.js';
export * from './templates.js';
export * from '../ef-coding.js';
export * from './build.js';
export * from './parse.js';
