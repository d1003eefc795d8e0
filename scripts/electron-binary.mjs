// Where the Electron binary is, if it was downloaded (the npm package installs without it offline or
// with ELECTRON_SKIP_BINARY_DOWNLOAD). Used by postinstall.mjs and start.mjs.
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/** Absolute path of the Electron executable, or undefined when it is not installed. */
export function electronBinaryPath() {
  try {
    const dir = dirname(require.resolve('electron/package.json'));
    const relative = readFileSync(join(dir, 'path.txt'), 'utf8').trim();
    const binary = join(dir, 'dist', relative);
    return existsSync(binary) ? binary : undefined;
  } catch {
    return undefined;
  }
}
