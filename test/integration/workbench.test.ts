import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkbenchEvent } from '../../shared/api.js';
import { createWorkbench } from '../../src-main/services/create-workbench.js';
import type { Workbench } from '../../src-main/services/workbench.js';

/**
 * The WorkbenchApi as every front end gets it: createWorkbench() with the embedded virtual eUICC
 * and the local test SM-DP+ on loopback (no hardware providers), in a private data directory.
 */
describe('createWorkbench (embedded default)', () => {
  let dataDir: string;
  let wb: Workbench;
  const events: WorkbenchEvent[] = [];
  const device = 'virtual:default';

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'ewb-wb-'));
    wb = await createWorkbench({ dataDir, hardware: false, env: {} });
    wb.subscribe((e) => events.push(e));
  });

  afterAll(async () => {
    await wb.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('lists the virtual eUICC as the one present device and reports the environment', async () => {
    const devices = await wb.listDevices();
    expect(devices).toEqual([expect.objectContaining({ id: device, kind: 'virtual', status: 'present', cardType: 'euicc' })]);
    const env = await wb.environment();
    expect(env.dataDir).toBe(dataDir);
    expect(env.insecureTls).toBe(false);
    expect(env.virtualEuicc?.eid).toMatch(/^[0-9A-F]{32}$/);
    expect(env.testSmdp?.activationCodes.length).toBeGreaterThanOrEqual(3);
    expect(env.testSmdp?.activationCodes[0]).toMatch(/^LPA:1\$testsmdpplus1\.example\.com\$DEMO-/);
  });

  it('reads card info over APDUs that appear in the APDU log with annotations', async () => {
    const info = await wb.getCardInfo(device);
    const env = await wb.environment();
    expect(info.eid).toBe(env.virtualEuicc?.eid);
    expect(info.svn).toMatch(/^2\.\d\.\d$/);
    expect(info.ciPkIdsForVerification.length).toBeGreaterThan(0);
    const log = await wb.getApduLog();
    expect(log.some((r) => r.annotation === 'STORE DATA → ES10c.GetEID' && r.command.startsWith('81 E2 91 00 06 BF 3E'))).toBe(true);
    expect(log.some((r) => r.annotation === 'STORE DATA → ES10c.GetEID · GET RESPONSE' && r.response.startsWith('BF 3E 12 5A 10') && r.sw === '9000')).toBe(true);
    expect(log.every((r) => r.deviceId === device)).toBe(true);
    expect(events.some((e) => e.type === 'apdu')).toBe(true);
  });

  it('downloads a demo profile with consent, then enables, disables and deletes it; notifications are delivered', async () => {
    const env = await wb.environment();
    const code = env.testSmdp?.activationCodes.find((c) => !c.endsWith('$$1'));
    expect(code).toBeDefined();
    const stop = wb.subscribe((e) => {
      if (e.type === 'operation-prompt' && e.prompt.kind === 'consent') void wb.answerPrompt(e.operationId, { promptId: e.prompt.promptId, kind: 'consent', accept: true });
    });
    const { operationId } = await wb.startDownload(device, { activationCode: code ?? '' });
    const result = await wb.waitForOperation(operationId);
    stop();
    expect(result.status).toBe('succeeded');
    const iccid = result.iccid ?? '';
    expect(iccid).toMatch(/^89999\d{14}$/);
    const steps = events.filter((e) => e.type === 'operation-progress' && e.operationId === operationId).map((e) => (e.type === 'operation-progress' ? e.step : ''));
    expect([...new Set(steps)]).toEqual(['authenticate-server', 'authenticate-client', 'consent', 'prepare-download', 'get-bound-profile-package', 'load-bound-profile-package', 'send-notifications', 'done']);

    expect((await wb.listProfiles(device)).find((p) => p.iccid === iccid)).toMatchObject({ state: 'disabled', serviceProviderName: 'Workbench Demo' });
    expect(await wb.enableProfile(device, { iccid })).toMatchObject({ ok: true, result: 'ok' });
    expect((await wb.listProfiles(device)).find((p) => p.iccid === iccid)?.state).toBe('enabled');
    expect(await wb.deleteProfile(device, { iccid })).toMatchObject({ ok: false, result: 'profileNotInDisabledState' });
    expect(await wb.disableProfile(device, { iccid })).toMatchObject({ ok: true });
    expect(await wb.deleteProfile(device, { iccid })).toMatchObject({ ok: true });
    expect((await wb.listProfiles(device)).find((p) => p.iccid === iccid)).toBeUndefined();
    // The install notification went out during the download; enable/disable/delete ones are pending now.
    const pending = await wb.listNotifications(device);
    expect(pending.map((n) => n.event)).toEqual(['enable', 'disable', 'delete']);
    expect(await wb.processNotifications(device)).toEqual({ sent: 3, failed: 0 });
    expect(await wb.listNotifications(device)).toEqual([]);
  });

  it('cancels the download when the user declines consent, and the order stays usable', async () => {
    const env = await wb.environment();
    const code = env.testSmdp?.activationCodes.find((c) => !c.endsWith('$$1')) ?? '';
    const stop = wb.subscribe((e) => {
      if (e.type === 'operation-prompt' && e.prompt.kind === 'consent') void wb.answerPrompt(e.operationId, { promptId: e.prompt.promptId, kind: 'consent', accept: false });
    });
    const { operationId } = await wb.startDownload(device, { activationCode: code });
    const result = await wb.waitForOperation(operationId);
    stop();
    expect(result.status).not.toBe('succeeded');
    expect((await wb.environment()).testSmdp?.activationCodes).toContain(code);
  });

  it('serialises operations on one card (per-card lock)', async () => {
    const [a, b] = await Promise.all([wb.listProfiles(device), wb.getCardInfo(device)]);
    expect(Array.isArray(a)).toBe(true);
    expect(b.eid).toMatch(/^[0-9A-F]{32}$/);
    const rows = await wb.getApduLog();
    // Each ES10 session opens and closes its own channel: no MANAGE CHANNEL open while another is open.
    let open = 0;
    for (const r of rows) {
      if (r.command.startsWith('00 70 00 00')) open++;
      if (r.command.startsWith('00 70 80')) open--;
      expect(open).toBeLessThanOrEqual(1);
    }
  });

  it('decodes pasted hex and rejects garbage with HEX_INVALID', async () => {
    const decoded = await wb.decode('→ 81 E2 91 00 06 BF 3E 03 5C 01 5A');
    expect(decoded.text).toContain('STORE DATA (P1 91, block 0, 6 bytes of data)');
    expect(decoded.text).toContain('GetEuiccDataRequest');
    await expect(wb.decode('nothing here')).rejects.toMatchObject({ code: 'HEX_INVALID' });
  });
});
