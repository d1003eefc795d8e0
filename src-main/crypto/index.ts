/** RSP cryptography and X.509/PKI helpers (see the module headers for what each file does). */
export * from './aes-cmac.js';
export * from './curves.js';
export * from './ecdsa.js';
export * from './ecka.js';
export * from './errors.js';
export * from './hash-cc.js';
export * from './kdf.js';
export * from './keys.js';
export * from './scp03t.js';
export * from './x509.js';
export * from './x509-verify.js';
export * from './pki/generate.js';
export * from './pki/pki-dir.js';
export * from './pki/rsp-pki.js';
