/**
 * Picks how the renderer reaches the WorkbenchApi: the Electron preload bridge when present,
 * otherwise the web shell's WebSocket with the access token from the page URL's #fragment.
 */
import { WORKBENCH_METHODS, type WorkbenchApi } from '../../shared/api.js';
import { ApiCallError, toApiCallError } from './errors.js';
import { createWebSocketApi } from './ws-client.js';

const TOKEN_KEY = 'ewb-web-shell-token';

/** Wraps the preload bridge so its rejections (plain ApiError objects) become ApiCallErrors. */
function fromElectronBridge(bridge: WorkbenchApi): WorkbenchApi {
  const methods = Object.fromEntries(
    WORKBENCH_METHODS.map((m) => [
      m,
      (...args: unknown[]) => (bridge[m] as (...a: unknown[]) => Promise<unknown>)(...args).catch((err: unknown) => Promise.reject(toApiCallError(err))),
    ]),
  );
  return { ...(methods as Omit<WorkbenchApi, 'subscribe'>), subscribe: (listener) => bridge.subscribe(listener) };
}

/**
 * Takes the token from `#token=…` (then removes it from the address bar, so it does not end up in
 * screenshots or bookmarks) and keeps it for reloads of this tab.
 */
function takeToken(win: Window): string | undefined {
  const fromHash = new URLSearchParams(win.location.hash.slice(1)).get('token');
  if (fromHash) {
    win.sessionStorage.setItem(TOKEN_KEY, fromHash);
    win.history.replaceState(null, '', win.location.pathname + win.location.search);
    return fromHash;
  }
  return win.sessionStorage.getItem(TOKEN_KEY) ?? undefined;
}

export function connectWorkbench(win: Window, onConnectionLost: (error: ApiCallError) => void): WorkbenchApi {
  if (win.workbench) return fromElectronBridge(win.workbench);
  const token = takeToken(win);
  if (!token) {
    throw new ApiCallError({
      code: 'BRIDGE_NO_TOKEN',
      message: 'This page was opened without its access token.',
      hint: 'Open the exact URL printed by `npm start` (it ends with #token=…).',
      details: {},
    });
  }
  const scheme = win.location.protocol === 'https:' ? 'wss:' : 'ws:';
  return createWebSocketApi(`${scheme}//${win.location.host}/api?token=${encodeURIComponent(token)}`, onConnectionLost);
}
