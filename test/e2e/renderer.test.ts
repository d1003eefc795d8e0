/**
 * The renderer in real Chromium against the web shell, backed by the fake WorkbenchApi: device list,
 * card info, profiles and APDU log show the fake's data, a profile can be enabled through the
 * confirmation dialog, a download runs through consent, discovered events fill the download form,
 * notices show as toasts and insecure TLS as a banner. Screenshots go to test/artifacts/e2e/.
 */
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumMissingReason, openShellPage, type ShellPage } from '../helpers/chromium.js';
import { createFakeWorkbench, FAKE_EVENTS, FAKE_QMI_ID, type FakeWorkbench } from '../helpers/fake-workbench.js';

const repoRoot = resolve(import.meta.dirname, '..', '..');
const artifacts = join(repoRoot, 'test', 'artifacts', 'e2e');
const missing = chromiumMissingReason();

describe.skipIf(missing !== undefined)(`renderer in Chromium${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let api: FakeWorkbench;
  let view: ShellPage;
  let page: Page;
  let pageErrors: string[];

  beforeAll(async () => {
    api = createFakeWorkbench();
    // The fake verifies TLS; this page shows what the insecure option looks like.
    const insecure = { ...api, environment: async () => ({ ...(await api.environment()), insecureTls: true }) };
    view = await openShellPage(insecure);
    ({ page, pageErrors } = view);
  });

  afterAll(async () => {
    await view?.close();
  });

  const row = (iccid: string) => page.locator(`[data-testid="profile-row"][data-iccid="${iccid}"]`);

  it('shows devices, card info, profiles and the APDU log from the API', async () => {
    const devices = page.getByTestId('device');
    await expect.poll(() => devices.count()).toBe(3);
    expect(await devices.nth(0).innerText()).toContain('Virtual eUICC');
    expect(await devices.nth(1).innerText()).toContain('Modem refuses the blank eUICC; using QMI SAP.');
    expect(await devices.nth(1).innerText()).toContain('sap');
    expect(await devices.nth(2).innerText()).toContain('No card');

    await expect.poll(() => page.getByTestId('eid').innerText()).toBe('8904 9032 1234 5123 4512 3456 7890 1235');
    expect(await page.getByTestId('card-info').innerText()).toContain('smdp.example.com');

    await expect.poll(() => page.getByTestId('profile-row').count()).toBe(2);
    expect(await row('8944476500001224158').getByTestId('profile-state').textContent()).toBe('enabled');
    expect(await row('8944476500001224166').getByTestId('profile-state').textContent()).toBe('disabled');
    expect(await row('8944476500001224158').innerText()).toContain('Test Operator');

    await expect.poll(() => page.getByTestId('apdu-row').count()).toBe(3);
    const firstApdu = await page.getByTestId('apdu-row').nth(0).innerText();
    expect(firstApdu).toContain('01A4040410A0000005591010FFFFFFFF8900000100');
    expect(firstApdu).toContain('SELECT ISD-R');
    expect(await page.getByTestId('apdu-row').nth(2).innerText()).toContain('Referenced data not found');

    // The token left the address bar once read.
    expect(page.url()).not.toContain('token');
    await page.screenshot({ path: join(artifacts, 'main.png') });
  });

  it('enables a profile after confirmation and logs the APDU', async () => {
    await row('8944476500001224166').getByTestId('enable').click();
    const dialog = page.getByTestId('confirm-dialog');
    await dialog.waitFor();
    expect(await dialog.innerText()).toContain('Enable “Roaming 5 GB”?');
    await page.screenshot({ path: join(artifacts, 'confirm-enable.png') });
    await page.getByTestId('confirm-ok').click();

    await expect.poll(() => row('8944476500001224166').getByTestId('profile-state').textContent()).toBe('enabled');
    expect(await row('8944476500001224158').getByTestId('profile-state').textContent()).toBe('disabled');
    expect(api.calls.filter(([m]) => m === 'enableProfile')).toEqual([
      ['enableProfile', ['virtual:default', { iccid: '8944476500001224166' }, undefined]],
    ]);
    await expect.poll(() => page.getByTestId('apdu-row').count()).toBe(4);
    expect(await page.getByTestId('apdu-row').nth(3).innerText()).toContain('EnableProfile');

    await page.getByTestId('apdu-filter').fill('enable');
    await expect.poll(() => page.getByTestId('apdu-row').count()).toBe(1);
    await page.getByTestId('apdu-filter').fill('');
    await page.screenshot({ path: join(artifacts, 'after-enable.png') });
  });

  it('downloads a profile through the consent prompt', async () => {
    await page.getByTestId('open-download').click();
    await page.getByTestId('activation-code').fill('Your code: LPA:1$smdp.example.com$DEMO-0001 (scan or paste)');
    await page.getByTestId('confirmation-code').fill('1234');
    await page.screenshot({ path: join(artifacts, 'download-form.png') });
    await page.getByTestId('start-download').click();

    const consent = page.getByTestId('consent');
    await consent.waitFor();
    expect(await consent.innerText()).toContain('Demo Mobile');
    expect(await consent.innerText()).toContain('Cannot be disabled once enabled');
    await page.screenshot({ path: join(artifacts, 'download-consent.png') });
    const started = api.calls.find(([m]) => m === 'startDownload');
    expect(started?.[1]).toEqual(['virtual:default', expect.objectContaining({ activationCode: 'LPA:1$smdp.example.com$DEMO-0001', confirmationCode: '<redacted>' })]);

    await page.getByTestId('consent-accept').click();
    await expect.poll(() => page.getByTestId('download-result').innerText()).toContain('Installed “Demo 1 GB” from Demo Mobile');
    await page.screenshot({ path: join(artifacts, 'download-done.png') });
    await page.getByTestId('close-download').click();
    await expect.poll(() => page.getByTestId('profile-row').count()).toBe(3);
  });

  it('offers the test SM-DP+ demo codes and discovered events as ready-made activation codes', async () => {
    await page.getByTestId('open-download').click();
    const demo = page.getByTestId('demo-code');
    await expect.poll(() => demo.count()).toBe(1);
    expect(await page.getByTestId('test-smdp').innerText()).toContain('testsmdpplus1.example.com:8443');
    await demo.click();
    expect(await page.getByTestId('activation-code').inputValue()).toBe('LPA:1$testsmdpplus1.example.com:8443$EWB-TEST-0001');
    await page.getByRole('button', { name: 'Cancel' }).click();

    await page.getByTestId('discover').click();
    const events = page.getByTestId('discovered-event');
    await expect.poll(() => events.count()).toBe(FAKE_EVENTS.length);
    expect(await events.nth(1).innerText()).toContain('smdp2.example.com');
    await page.screenshot({ path: join(artifacts, 'discovered.png') });
    await events.nth(1).getByTestId('discovered-download').click();
    expect(await page.getByTestId('activation-code').inputValue()).toBe(FAKE_EVENTS[1]?.activationCode);
    await page.getByRole('button', { name: 'Cancel' }).click();
    expect(api.calls.filter(([m]) => m === 'discoverProfiles')).toEqual([['discoverProfiles', ['virtual:default', undefined]]]);
  });

  it('shows notices as dismissible toasts (a dismissed info stays away) and insecure TLS as a banner', async () => {
    expect(await page.getByTestId('insecure-tls').innerText()).toContain('TLS verification is off');
    const sap = 'Logical channels refused by the modem (blank eUICC): using QMI UIM SAP.';
    api.emit({ type: 'notice', deviceId: FAKE_QMI_ID, level: 'info', message: sap });
    api.emit({ type: 'notice', deviceId: FAKE_QMI_ID, level: 'warning', message: 'Notification 3 to smdp.example.com stays queued: connection refused' });
    const toasts = page.getByTestId('notice');
    await expect.poll(() => toasts.evaluateAll((els) => els.map((e) => e.getAttribute('data-level')))).toEqual(['info', 'warning']);
    expect(await toasts.nth(0).innerText()).toContain(sap);
    expect(await toasts.nth(0).innerText()).toContain('Sierra EM7455 (cdc-wdm0)');
    await page.screenshot({ path: join(artifacts, 'notices.png') });

    await toasts.nth(0).getByTestId('notice-dismiss').click();
    await expect.poll(() => toasts.count()).toBe(1);
    api.emit({ type: 'notice', deviceId: FAKE_QMI_ID, level: 'info', message: sap });
    api.emit({ type: 'notice', deviceId: FAKE_QMI_ID, level: 'info', message: 'Switched to slot 2.' });
    await expect.poll(() => toasts.count()).toBe(2);
    expect(await toasts.nth(1).innerText()).toContain('Switched to slot 2.');
    for (let i = 0; i < 2; i++) await toasts.first().getByTestId('notice-dismiss').click();
    await expect.poll(() => toasts.count()).toBe(0);
  });

  it('explains what to do when the page is opened without its token', async () => {
    const bare = await view.chromium.context.newPage();
    try {
      await bare.goto(view.shell.url.split('#')[0] ?? view.shell.url);
      const notice = bare.getByTestId('notice');
      await notice.waitFor();
      expect(await notice.innerText()).toContain('opened without its access token');
      expect(await bare.getByTestId('device').count()).toBe(0);
      await bare.screenshot({ path: join(artifacts, 'no-token.png') });
    } finally {
      await bare.close();
    }
  });

  it('ran without page errors (CSP violations included)', () => {
    expect(pageErrors).toEqual([]);
  });
});
