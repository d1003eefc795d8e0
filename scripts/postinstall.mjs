// Runs after `npm install` / `npm ci`. It never fails the install: it only explains which optional
// native parts are missing on this machine and what that means for the user.
import { createRequire } from 'node:module';
import { electronBinaryPath } from './electron-binary.mjs';

const require = createRequire(import.meta.url);
const notes = [];

if (electronBinaryPath() === undefined) {
  notes.push(
    'Electron binary: not downloaded (offline machine or ELECTRON_SKIP_BINARY_DOWNLOAD).\n' +
      '  `npm start` will serve the same UI as a web shell on http://127.0.0.1 instead of a desktop window.\n' +
      '  To get the desktop window later: `node node_modules/electron/install.js` on a machine with Internet access.',
  );
}

try {
  require('pcsclite');
} catch (err) {
  notes.push(
    `PC/SC (pcsclite native module): not available (${String(err.message ?? err).split('\n')[0]}).\n` +
      '  Smart-card readers will be listed as unavailable; the virtual eUICC, AT and QMI transports still work.\n' +
      '  Fix: `npm run setup:system` (installs libpcsclite-dev and build tools), then `npm rebuild pcsclite`.',
  );
}

if (notes.length > 0) {
  console.log('\n[esim-workbench] optional parts missing — the install itself succeeded:\n');
  for (const n of notes) console.log(`- ${n}\n`);
}
