// Renderer build: `vite build --config src-renderer/vite.config.ts` → dist/renderer (loaded by Electron
// from file:// and served by the web shell, hence relative asset URLs).
import vue from '@vitejs/plugin-vue';
import { defineConfig, type Plugin } from 'vite';
import { contentSecurityPolicy } from '../src-main/app/security.js';

const rendererRoot = decodeURIComponent(new URL('.', import.meta.url).pathname);
const outDir = decodeURIComponent(new URL('../dist/renderer', import.meta.url).pathname);

/**
 * Fills the CSP <meta> placeholder in index.html, so the policy also holds where no response header
 * exists (Electron loads the page from file://). The policy has no quotes that need HTML escaping
 * beyond the single quotes, which are valid inside a double-quoted attribute.
 */
function cspMeta(): Plugin {
  return {
    name: 'ewb-csp-meta',
    transformIndexHtml: (html) => html.replace('%EWB_CSP%', contentSecurityPolicy('meta')),
  };
}

export default defineConfig({
  root: rendererRoot,
  base: './',
  plugins: [vue(), cspMeta()],
  build: {
    outDir,
    emptyOutDir: true,
    // The polyfill would be an inline script, which the CSP forbids; Chromium does not need it.
    modulePreload: { polyfill: false },
    target: 'chrome120',
    sourcemap: false,
  },
});
