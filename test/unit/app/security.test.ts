import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy, installNavigationGuards, webPreferencesForWorkbench, type GuardableContents } from '../../../src-main/app/security.js';

describe('webPreferencesForWorkbench', () => {
  it('isolates and sandboxes the renderer', () => {
    expect(webPreferencesForWorkbench('/app/preload.cjs')).toEqual({
      preload: '/app/preload.cjs',
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
    });
  });
});

describe('contentSecurityPolicy', () => {
  it('allows only the app itself (plus data: images) as a header', () => {
    expect(contentSecurityPolicy('header')).toBe(
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; " +
        "object-src 'none'; frame-src 'none'; worker-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
  });

  it('leaves header-only directives out of the meta form', () => {
    const meta = contentSecurityPolicy('meta');
    expect(meta).not.toContain('frame-ancestors');
    expect(meta.startsWith("default-src 'self'; script-src 'self'")).toBe(true);
  });

  it('never allows inline code, eval or remote hosts', () => {
    const csp = contentSecurityPolicy();
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:|\*/);
  });
});

describe('installNavigationGuards', () => {
  type Listener = (event: { preventDefault(): void }, url: string) => void;

  function fakeContents() {
    const listeners = new Map<string, Listener>();
    let openHandler: ((d: { url: string }) => { action: 'deny' }) | undefined;
    const contents: GuardableContents = {
      on(event: string, listener: Listener) {
        listeners.set(event, listener);
        return contents;
      },
      setWindowOpenHandler(handler) {
        openHandler = handler;
      },
    };
    return { contents, listeners, open: (url: string) => openHandler?.({ url }) };
  }

  it.each(['will-navigate', 'will-redirect', 'will-attach-webview'])('prevents %s', (name) => {
    const { contents, listeners } = fakeContents();
    const blocked: string[] = [];
    installNavigationGuards(contents, (what) => blocked.push(what));
    let prevented = false;
    listeners.get(name)?.({ preventDefault: () => (prevented = true) }, 'https://example.com/');
    expect(prevented).toBe(true);
    expect(blocked).toHaveLength(1);
  });

  it('denies window.open', () => {
    const { contents, open } = fakeContents();
    const blocked: string[] = [];
    installNavigationGuards(contents, (what, url) => blocked.push(`${what} ${url}`));
    expect(open('https://example.com/')).toEqual({ action: 'deny' });
    expect(blocked).toEqual(['window.open https://example.com/']);
  });
});
