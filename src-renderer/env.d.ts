/// <reference types="vite/client" />
import type { WorkbenchApi } from '../shared/api.js';

declare global {
  interface Window {
    /** Set by the Electron preload; absent in the web shell. */
    workbench?: WorkbenchApi;
  }
}
