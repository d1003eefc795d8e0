/**
 * Launches Debian's Chromium through playwright-core for e2e tests: headless, no network beyond
 * loopback (background services off), a fresh profile per launch. Also builds the renderer the e2e
 * tests serve, once per source state.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { build } from 'vite';
import type { WorkbenchApi } from '../../shared/api.js';
import { startWebShell, type WebShell } from '../../src-main/server/web-shell.js';

export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Why e2e tests cannot run here, or undefined when they can. */
export function chromiumMissingReason(): string | undefined {
  return existsSync(CHROMIUM_PATH) ? undefined : `${CHROMIUM_PATH} is not installed (run \`npm run setup:system\`)`;
}

export interface LaunchedChromium {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

/** Playwright passes the fresh profile directory as --user-data-dir (it refuses the flag in `args`). */
export async function launchChromium(viewport = { width: 1360, height: 860 }): Promise<LaunchedChromium> {
  const profileDir = mkdtempSync(join(tmpdir(), 'ewb-chromium-'));
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    viewport,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profileDir, { recursive: true, force: true });
    },
  };
}

const repoRoot = resolve(import.meta.dirname, '..', '..');
/** What the renderer bundle is built from (the Vite config imports the CSP from src-main/app). */
const RENDERER_INPUTS = ['src-renderer', 'shared', 'src-main/app/security.ts'];
const BUILD_PREFIX = 'ewb-e2e-renderer-';

function listFiles(path: string): string[] {
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path).flatMap((name) => listFiles(join(path, name)));
}

/** Changes whenever a renderer input file is added, removed or modified. */
function rendererSourceKey(): string {
  const hash = createHash('sha256');
  for (const file of RENDERER_INPUTS.flatMap((p) => listFiles(join(repoRoot, p))).sort()) {
    const info = statSync(file);
    hash.update(`${relative(repoRoot, file)}\0${info.size}\0${info.mtimeMs}\n`);
  }
  return hash.digest('hex').slice(0, 16);
}

/**
 * The built renderer for the current sources: each e2e file runs in its own worker, so the cache is a
 * directory in the temp dir named after the sources, built once (then renamed into place, so a half
 * build is never served) and reused by the other files. Older builds are removed.
 */
export async function builtRenderer(): Promise<string> {
  const name = `${BUILD_PREFIX}${rendererSourceKey()}`;
  const outDir = join(tmpdir(), name);
  if (existsSync(join(outDir, 'index.html'))) return outDir;
  const staging = mkdtempSync(join(tmpdir(), `${name}-staging-`));
  await build({ configFile: join(repoRoot, 'src-renderer', 'vite.config.ts'), logLevel: 'warn', build: { outDir: staging } });
  for (const old of readdirSync(tmpdir()).filter((n) => n.startsWith(BUILD_PREFIX) && !n.startsWith(name))) {
    rmSync(join(tmpdir(), old), { recursive: true, force: true });
  }
  try {
    renameSync(staging, outDir);
  } catch {
    rmSync(staging, { recursive: true, force: true }); // another worker got there first
  }
  return outDir;
}

/** The web shell serving the built renderer over `api`, opened in Chromium, with page errors collected. */
export interface ShellPage {
  readonly shell: WebShell;
  readonly chromium: LaunchedChromium;
  readonly page: Page;
  /** Uncaught page errors and console errors; a test ends by expecting it empty. */
  readonly pageErrors: string[];
  close(): Promise<void>;
}

export async function openShellPage(api: WorkbenchApi, viewport?: { width: number; height: number }): Promise<ShellPage> {
  const shell = await startWebShell({ api, staticDir: await builtRenderer() });
  const chromium = await launchChromium(viewport);
  const page = await chromium.context.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (err) => pageErrors.push(err.message));
  page.on('console', (msg) => {
    if (msg.type() === 'error') pageErrors.push(`${msg.text()} ${msg.location().url}`);
  });
  mkdirSync(join(repoRoot, 'test', 'artifacts', 'e2e'), { recursive: true });
  await page.goto(shell.url);
  return {
    shell,
    chromium,
    page,
    pageErrors,
    async close() {
      await chromium.close();
      await shell.close();
    },
  };
}
