/**
 * Electron main process: one window, the WorkbenchApi wired to ONE IPC channel, and the security
 * settings of ARCHITECTURE.md §6. Everything decidable without Electron lives in ipc.ts/security.ts.
 */
import { app, BrowserWindow, dialog, ipcMain, session } from 'electron';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { toApiError } from './dispatch.js';
import { createWorkbenchApi } from './api-factory.js';
import { CALL_CHANNEL, EVENT_CHANNEL } from './channels.js';
import { createIpcHandler, forwardEvents } from './ipc.js';
import { contentSecurityPolicy, installNavigationGuards, webPreferencesForWorkbench } from './security.js';

const here = dirname(fileURLToPath(import.meta.url));
// Layout of `npm run build`: dist/src-main/app/{main.js,preload.cjs} and dist/renderer/index.html.
const PRELOAD_PATH = join(here, 'preload.cjs');
const RENDERER_INDEX = join(here, '..', '..', 'renderer', 'index.html');

function hardenSession(): void {
  const ses = session.defaultSession;
  ses.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [contentSecurityPolicy('header')] } });
  });
  // The workbench needs no camera, notifications, geolocation or any other permission.
  ses.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
}

async function openWindow(): Promise<void> {
  const api = await createWorkbenchApi();
  const win = new BrowserWindow({
    width: 1360,
    height: 880,
    minWidth: 960,
    minHeight: 600,
    title: 'eSIM Workbench',
    show: false,
    webPreferences: webPreferencesForWorkbench(PRELOAD_PATH),
  });
  const handler = createIpcHandler(api, (sender) => !win.isDestroyed() && sender.id === win.webContents.id);
  ipcMain.handle(CALL_CHANNEL, (event, request: unknown) => handler(event, request));
  const unsubscribe = forwardEvents(api, (event) => {
    if (!win.isDestroyed()) win.webContents.send(EVENT_CHANNEL, event);
  });
  win.on('closed', () => {
    unsubscribe();
    ipcMain.removeHandler(CALL_CHANNEL);
  });
  win.once('ready-to-show', () => win.show());
  await win.loadFile(RENDERER_INDEX);
}

app.enableSandbox();
app.on('web-contents-created', (_event, contents) => {
  installNavigationGuards(contents, (what, url) => console.warn(`[esim-workbench] blocked ${what} ${url}`));
});
app.on('window-all-closed', () => app.quit());

app
  .whenReady()
  .then(() => {
    hardenSession();
    return openWindow();
  })
  .catch((err: unknown) => {
    const error = toApiError(err);
    dialog.showErrorBox('eSIM Workbench could not start', `${error.message}\n\n${error.hint}`);
    app.exit(1);
  });
