/**
 * The security settings of the desktop window (ARCHITECTURE.md §6), as pure data so tests can assert
 * them exactly and main.ts only applies them.
 */

/** webPreferences of every workbench BrowserWindow. */
export interface WorkbenchWebPreferences {
  readonly preload: string;
  readonly contextIsolation: true;
  readonly sandbox: true;
  readonly nodeIntegration: false;
  readonly nodeIntegrationInWorker: false;
  readonly nodeIntegrationInSubFrames: false;
  readonly webSecurity: true;
  readonly allowRunningInsecureContent: false;
  readonly webviewTag: false;
  readonly experimentalFeatures: false;
  readonly navigateOnDragDrop: false;
  readonly spellcheck: false;
}

export function webPreferencesForWorkbench(preloadPath: string): WorkbenchWebPreferences {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    experimentalFeatures: false,
    navigateOnDragDrop: false,
    spellcheck: false,
  };
}

/**
 * CSP directives. Everything comes from the app itself; images may also be data: URLs (profile icons
 * arrive that way). No inline script or style, no eval, no remote hosts.
 */
const CSP_DIRECTIVES: ReadonlyArray<readonly [string, string]> = [
  ['default-src', "'self'"],
  ['script-src', "'self'"],
  ['style-src', "'self'"],
  ['img-src', "'self' data:"],
  ['font-src', "'self'"],
  ['connect-src', "'self'"],
  ['object-src', "'none'"],
  ['frame-src', "'none'"],
  ['worker-src', "'none'"],
  ['base-uri', "'none'"],
  ['form-action', "'none'"],
];

/** Directives browsers ignore in a <meta> tag, so they are only sent as a header. */
const CSP_HEADER_ONLY: ReadonlyArray<readonly [string, string]> = [['frame-ancestors', "'none'"]];

/** The Content-Security-Policy value; `meta` leaves out header-only directives. */
export function contentSecurityPolicy(delivery: 'header' | 'meta' = 'header'): string {
  const directives = delivery === 'header' ? [...CSP_DIRECTIVES, ...CSP_HEADER_ONLY] : CSP_DIRECTIVES;
  return directives.map(([name, value]) => `${name} ${value}`).join('; ');
}

/** The subset of Electron's WebContents the guards need. */
export interface GuardableContents {
  on(event: 'will-navigate' | 'will-redirect', listener: (event: { preventDefault(): void }, url: string) => void): unknown;
  on(event: 'will-attach-webview', listener: (event: { preventDefault(): void }) => void): unknown;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void;
}

/**
 * The app is a single page loaded once: any navigation, redirect, new window or <webview> is refused.
 * `onBlocked` lets main.ts log what was attempted.
 */
export function installNavigationGuards(contents: GuardableContents, onBlocked: (what: string, url: string) => void = () => {}): void {
  const block = (what: string) => (event: { preventDefault(): void }, url: string) => {
    event.preventDefault();
    onBlocked(what, url);
  };
  contents.on('will-navigate', block('navigation'));
  contents.on('will-redirect', block('redirect'));
  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
    onBlocked('webview', '');
  });
  contents.setWindowOpenHandler(({ url }) => {
    onBlocked('window.open', url);
    return { action: 'deny' };
  });
}
