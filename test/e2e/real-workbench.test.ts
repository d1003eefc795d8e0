/**
 * The renderer in real Chromium against the REAL workbench (createWorkbench: embedded virtual eUICC and
 * local test SM-DP+, no hardware) through the web shell, driven as a user would: card panel, a demo
 * download through consent, enable, the annotated APDU log, notifications, discovery and the demo order
 * protected by confirmation code 1234 (a wrong code first). Screenshots: test/artifacts/e2e/real-*.png.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EnvironmentInfo } from '../../shared/api.js';
import { createWorkbench } from '../../src-main/services/create-workbench.js';
import type { Workbench } from '../../src-main/services/workbench.js';
import { chromiumMissingReason, openShellPage, type ShellPage } from '../helpers/chromium.js';

const repoRoot = resolve(import.meta.dirname, '..', '..');
const artifacts = join(repoRoot, 'test', 'artifacts', 'e2e');
const missing = chromiumMissingReason();
/** Real crypto and HTTPS on loopback: steps take a moment, never this long. */
const WAIT = { timeout: 30_000, interval: 100 };

describe.skipIf(missing !== undefined)(`real workbench in Chromium${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let dataDir: string;
  let api: Workbench;
  let environment: EnvironmentInfo;
  let view: ShellPage;
  let page: Page;
  let pageErrors: string[];
  let installedIccid: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'ewb-real-e2e-'));
    api = await createWorkbench({ dataDir, hardware: false, env: {} });
    environment = await api.environment();
    view = await openShellPage(api);
    ({ page, pageErrors } = view);
  });

  afterAll(async () => {
    await view?.close();
    await api?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const shot = (name: string) => page.screenshot({ path: join(artifacts, `real-${name}.png`) });
  const row = (iccid: string) => page.locator(`[data-testid="profile-row"][data-iccid="${iccid}"]`);
  const text = (locator: Locator) => locator.innerText().catch(() => '');
  /** Demo order buttons; the ones whose activation code ends in `$$1` need a confirmation code. */
  const demoCode = (withCc: boolean) => {
    const codes = page.getByTestId('demo-code');
    return withCc ? codes.and(page.locator('[data-code$="$$1"]')) : codes.and(page.locator(':not([data-code$="$$1"])'));
  };

  it('shows the virtual eUICC as present and its EID in the card panel', async () => {
    const device = page.getByTestId('device').first();
    await expect.poll(() => text(device), WAIT).toContain('Virtual eUICC');
    expect(await device.innerText()).toContain('Card present');
    const eid = environment.virtualEuicc?.eid;
    expect(eid).toMatch(/^\d{32}$/);
    await expect.poll(() => text(page.getByTestId('eid')), WAIT).toBe(eid?.replace(/(.{4})(?=.)/g, '$1 '));
    expect(await page.getByTestId('profile-row').count()).toBe(0);
    await shot('start');
  });

  it('downloads a demo profile of the local test SM-DP+ through consent', async () => {
    await page.getByTestId('open-download').click();
    const testSmdp = page.getByTestId('test-smdp');
    await testSmdp.waitFor();
    expect(await testSmdp.innerText()).toContain('built-in test server');
    expect(await page.getByTestId('demo-code').count()).toBe(environment.testSmdp?.activationCodes.length);
    const demo = demoCode(false).first();
    const code = await demo.getAttribute('data-code');
    expect(code).toMatch(/^LPA:1\$[^$]+\$DEMO-\d+$/);
    await demo.click();
    expect(await page.getByTestId('activation-code').inputValue()).toBe(code);
    await shot('download-form');
    await page.getByTestId('start-download').click();

    const consent = page.getByTestId('consent');
    await consent.waitFor(WAIT);
    expect(await consent.innerText()).toContain('Workbench Demo');
    await shot('download-consent');
    await page.getByTestId('consent-accept').click();

    const result = page.getByTestId('download-result');
    await expect.poll(() => text(result), WAIT).toContain('Installed “Demo profile');
    installedIccid = (await result.getByTestId('installed-iccid').getAttribute('data-iccid')) ?? '';
    expect(installedIccid).toMatch(/^89999\d{14}$/);
    expect(await result.innerText()).toContain('It is disabled');
    await shot('download-done');
    await page.getByTestId('close-download').click();

    await expect.poll(() => text(row(installedIccid).getByTestId('profile-state')), WAIT).toBe('Disabled');
    expect(await row(installedIccid).innerText()).toContain('Workbench Demo');
  });

  it('enables the profile; the APDU log shows the annotated STORE DATA of EnableProfile', async () => {
    await row(installedIccid).getByTestId('enable').click();
    await page.getByTestId('confirm-ok').click();
    await expect.poll(() => text(row(installedIccid).getByTestId('profile-state')), WAIT).toBe('Enabled');

    await page.getByTestId('apdu-filter').fill('EnableProfile');
    const rows = page.getByTestId('apdu-row');
    await expect.poll(() => rows.count(), WAIT).toBeGreaterThan(0);
    for (const r of await rows.all()) expect(await r.locator('.annotation').innerText()).toContain('STORE DATA → ES10c.EnableProfile');
    expect(await rows.first().innerText()).toMatch(/^\S+\t\d+\t8[0-3] E2 91 /); // STORE DATA, last block
    await shot('enabled');
    await page.getByTestId('apdu-filter').fill('');
  });

  it('lists the pending notifications and "Send all" delivers them to the test SM-DP+', async () => {
    const rows = page.getByTestId('notification-row');
    await expect.poll(() => rows.count(), WAIT).toBeGreaterThan(0);
    expect(await page.getByTestId('notifications').innerText()).toContain('enable');
    await page.getByTestId('notifications').scrollIntoViewIfNeeded();
    await shot('notifications');
    await page.getByTestId('send-all-notifications').click();
    await expect.poll(() => rows.count(), WAIT).toBe(0);
    await expect.poll(() => text(page.getByTestId('notice').last()), WAIT).toMatch(/Notifications: \d+ delivered, 0 failed/);
    expect(await (await api.listNotifications(environment.virtualEuicc?.deviceId ?? '')).length).toBe(0);
    await shot('notifications-sent');
  });

  it('asks the root SM-DS for waiting profiles', async () => {
    await page.getByTestId('discover').click();
    const discovery = page.getByTestId('discovery');
    await expect.poll(() => text(discovery), WAIT).toMatch(/No profiles are waiting|Waiting at the SM-DS|Discovery failed/);
    await shot('discover');
    expect(await discovery.innerText()).not.toContain('Discovery failed');
  });

  it('downloads the demo order protected by a confirmation code: a wrong code is refused, 1234 installs it', async () => {
    await page.getByTestId('open-download').click();
    const demo = demoCode(true).first();
    await demo.waitFor();
    expect(await demo.innerText()).toContain('confirmation code');
    await demo.click();
    await page.getByTestId('start-download').click();

    await page.getByTestId('consent').waitFor(WAIT);
    await page.getByTestId('consent-accept').click();

    const prompt = page.getByTestId('cc-prompt');
    await prompt.waitFor(WAIT);
    expect(await prompt.innerText()).toContain('Confirmation code required');
    await page.getByTestId('cc-input').fill('0000');
    await shot('cc-prompt');
    await page.getByTestId('cc-submit').click();

    await expect.poll(() => text(prompt), WAIT).toContain('Confirmation code refused');
    expect(await page.getByTestId('download-notices').innerText()).toMatch(/refused/i);
    await shot('cc-refused');
    await page.getByTestId('cc-input').fill('1234');
    await page.getByTestId('cc-submit').click();

    const result = page.getByTestId('download-result');
    await expect.poll(() => text(result), WAIT).toContain('Installed “Demo profile');
    await shot('cc-done');
    await page.getByTestId('close-download').click();
    await expect.poll(() => page.getByTestId('profile-row').count(), WAIT).toBe(2);
  });

  it('ran without page errors (CSP violations included)', () => {
    expect(pageErrors).toEqual([]);
  });
});
