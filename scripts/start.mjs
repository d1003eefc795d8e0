// `npm start`: the desktop window when the Electron binary is installed, otherwise the same UI through
// the web shell on loopback (printed URL carries the access token). Both use the real WorkbenchApi
// from src-main/services via src-main/app/api-factory.ts.
//
//   npm start                     Electron if available, else web shell on 127.0.0.1
//   npm start -- --web            always the web shell
//   npm start -- --web --port 8080 --host 192.168.1.10    (a non-loopback bind is never the default)
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildMain, buildRenderer } from './build.mjs';
import { electronBinaryPath } from './electron-binary.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: options } = parseArgs({
  options: {
    web: { type: 'boolean', default: false },
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '0' },
  },
});

/** Newest modification time under `dir` (recursively), 0 when absent. */
function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const info = statSync(path);
  if (!info.isDirectory()) return info.mtimeMs;
  return Math.max(info.mtimeMs, ...readdirSync(path).map((name) => newestMtime(join(path, name))));
}

async function ensureRendererBuilt() {
  const index = join(root, 'dist', 'renderer', 'index.html');
  const sources = Math.max(newestMtime(join(root, 'src-renderer')), newestMtime(join(root, 'shared')));
  if (newestMtime(index) < sources) {
    console.log('Building the renderer…');
    await buildRenderer();
  }
}

function fail(title, err) {
  const message = err && typeof err === 'object' && 'message' in err ? err.message : String(err);
  const hint = err && typeof err === 'object' && 'hint' in err ? err.hint : '';
  console.error(`\n${title}\n  ${message}${hint ? `\n  ${hint}` : ''}\n`);
  process.exit(1);
}

async function startElectron(binary) {
  console.log('Building the main process…');
  await buildMain();
  const child = spawn(binary, [root], { stdio: 'inherit' });
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

async function startWeb(reason) {
  // The web shell and the factory are TypeScript; tsx runs them without a separate build step.
  const { register } = await import('tsx/esm/api');
  register();
  const { createWorkbenchApi } = await import('../src-main/app/api-factory.ts');
  const { startWebShell } = await import('../src-main/server/web-shell.ts');
  let api;
  try {
    api = await createWorkbenchApi();
  } catch (err) {
    fail('eSIM Workbench cannot start: creating the workbench failed.', err);
  }
  const shell = await startWebShell({ api, host: options.host, port: Number(options.port), staticDir: join(root, 'dist', 'renderer') });
  console.log(`\neSIM Workbench web shell — ${reason}\n\n  Open: ${shell.url}\n`);
  if (!['127.0.0.1', '::1', 'localhost'].includes(options.host)) {
    console.log(`  Warning: listening on ${options.host}, not only on this computer. Anyone with the URL (token) can drive your cards.\n`);
  }
  console.log('  The #token part is the password for this session. Press Ctrl+C to stop.\n');
  // Close the workbench too: running operations are cancelled (CancelSession sent) and servers stopped.
  const stop = () =>
    shell
      .close()
      .then(() => api.close?.())
      .finally(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

try {
  await ensureRendererBuilt();
  const electron = options.web ? undefined : electronBinaryPath();
  if (electron) await startElectron(electron);
  else
    await startWeb(
      options.web
        ? 'started with --web.'
        : 'the Electron binary is not installed (offline install), so the same UI is served to your browser instead.\n' +
            '  For the desktop window: `node node_modules/electron/install.js` on a machine with Internet access.',
    );
} catch (err) {
  fail('eSIM Workbench could not start.', err);
}
