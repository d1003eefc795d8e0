/**
 * The Diagnostics view in real Chromium against the web shell and the fake WorkbenchApi (whose
 * diagnostics calls run the real decoders and a real probe of a virtual card): decode the seed-000
 * trace and an ATR, probe the QMI device, export the report. Screenshots go to test/artifacts/e2e/.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumMissingReason, openShellPage, type ShellPage } from '../helpers/chromium.js';
import { createFakeWorkbench, FAKE_QMI_ID, type FakeWorkbench } from '../helpers/fake-workbench.js';

const repoRoot = resolve(import.meta.dirname, '..', '..');
const artifacts = join(repoRoot, 'test', 'artifacts', 'e2e');
const seedFile = join(repoRoot, 'test', 'fixtures', 'diag', 'seed-000-trace.txt');
const missing = chromiumMissingReason();

describe.skipIf(missing !== undefined)(`diagnostics view in Chromium${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let api: FakeWorkbench;
  let view: ShellPage;
  let page: Page;
  let pageErrors: string[];

  beforeAll(async () => {
    api = createFakeWorkbench();
    // Tall enough that the screenshots show whole reports (the workspace scrolls inside the page).
    view = await openShellPage(api, { width: 1360, height: 2200 });
    ({ page, pageErrors } = view);
    await page.getByTestId('device').nth(2).waitFor();
    await page.getByTestId('nav-diagnostics').click();
    await page.getByTestId('diagnostics-view').waitFor();
  });

  afterAll(async () => {
    await view?.close();
  });

  const rules = () => page.getByTestId('diag-finding').evaluateAll((els) => els.map((e) => e.getAttribute('data-rule')));

  it('decodes the seed-000 trace loaded from a file: 10 commands and the blank-eUICC diagnosis', async () => {
    await page.getByTestId('diag-file').setInputFiles(seedFile);
    await expect.poll(() => page.getByTestId('diag-input').inputValue()).toContain('0x00 0xA4');
    expect(await page.getByTestId('diag-kind-trace').getAttribute('aria-selected')).toBe('true');
    await page.getByTestId('diag-analyze').click();
    await expect.poll(() => page.getByTestId('diag-trace-row').count()).toBe(10);
    expect(await rules()).toEqual(['blank-euicc', 'modem-rejects-blank-card']);
    const fourth = await page.getByTestId('diag-trace-row').nth(3).innerText();
    expect(fourth).toContain('6A82');
    expect(fourth).toContain('EF.ICCID');
    const blank = page.locator('[data-rule="blank-euicc"]');
    expect(await blank.innerText()).toMatch(/QMI UIM SAP/);
    expect(await blank.evaluate((el) => el.ownerDocument.defaultView?.getComputedStyle(el).borderLeftColor)).toBe('rgb(179, 38, 30)');
    expect(api.calls.filter(([m]) => m === 'analyzeTrace')).toHaveLength(1);
    await page.screenshot({ path: join(artifacts, 'diag-trace.png'), fullPage: true });
  });

  it('decodes a pasted ATR with a wrong check byte', async () => {
    await page.getByTestId('diag-kind-atr').click();
    await page.getByTestId('diag-input').fill('3B 97 96 80 B1 FE 45 1F C7 80 31 E0 73 FE 21 1F B2');
    await page.getByTestId('diag-analyze').click();
    await expect.poll(rules).toEqual(['atr-bad-tck']);
    await expect.poll(() => page.getByTestId('diag-atr-field').count()).toBeGreaterThan(8);
    expect(await page.getByTestId('diag-atr').innerText()).toContain('Check byte: WRONG, expected B1');
    expect(await page.getByTestId('diag-trace').count()).toBe(0);
    await page.screenshot({ path: join(artifacts, 'diag-atr.png'), fullPage: true });
  });

  it('shows a usage error for an ATR without hex', async () => {
    await page.getByTestId('diag-input').fill('not an atr');
    await page.getByTestId('diag-analyze').click();
    await expect.poll(() => page.getByTestId('diag-error').innerText()).toContain('No hexadecimal bytes');
  });

  it('probes the QMI device: blank eUICC reached over SAP, recommended qmi-sap', async () => {
    await page.locator(`[data-testid="device"][data-device-id="${FAKE_QMI_ID}"]`).click();
    await page.getByTestId('diag-probe').click();
    await expect.poll(() => page.getByTestId('diag-transport').innerText()).toBe('qmi-sap');
    expect(await rules()).toEqual(['blank-euicc']);
    expect(await page.getByTestId('diag-step').count()).toBe(10);
    expect(await page.getByTestId('diag-card').innerText()).toContain('89049032123451234512345678901235');
    expect(await page.getByTestId('diag-modem').innerText()).toContain('QMI Open Logical Channel (ISD-R)');
    expect(await page.getByTestId('diag-recommendation').innerText()).toContain('using QMI UIM SAP');
    expect(api.calls.filter(([m]) => m === 'probeDevice')).toEqual([['probeDevice', [FAKE_QMI_ID]]]);
    await page.screenshot({ path: join(artifacts, 'diag-probe.png'), fullPage: true });
  });

  it('exports the report as Markdown and HTML', async () => {
    const [md] = await Promise.all([page.waitForEvent('download'), page.getByTestId('diag-export-markdown').click()]);
    expect(md.suggestedFilename()).toMatch(/^ewb-probe-.*\.md$/);
    const mdText = readFileSync((await md.path()) ?? '', 'utf8');
    expect(mdText).toContain('`blank-euicc`');
    expect(mdText).toContain('## APDU log (17 exchanges)');
    const [html] = await Promise.all([page.waitForEvent('download'), page.getByTestId('diag-export-html').click()]);
    expect(html.suggestedFilename()).toMatch(/\.html$/);
    const htmlText = readFileSync((await html.path()) ?? '', 'utf8');
    expect(htmlText).toMatch(/^<!doctype html>/);
    expect(htmlText).not.toContain('<script');
    expect(api.calls.filter(([m]) => m === 'renderDiagnosticReport')).toEqual([
      ['renderDiagnosticReport', ['probe', 'markdown']],
      ['renderDiagnosticReport', ['probe', 'html']],
    ]);
  });

  it('ran without page errors (CSP violations included)', () => {
    expect(pageErrors).toEqual([]);
  });
});
