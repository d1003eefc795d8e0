/**
 * `ewb batch download` against a real Workbench: two virtual eUICCs (two VirtualDeviceProviders with
 * distinct ids and EIDs under one test CI) and one test SM-DP+ over HTTPS on loopback with an order
 * for each — one of them with a confirmation code. Both downloads run at once, each on its own card.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkbenchEvent } from '../../shared/api.js';
import type { BatchReport } from '../../src-main/cli/commands-batch.js';
import { VirtualDeviceProvider } from '../../src-main/services/providers/virtual-provider.js';
import { rspFeatures } from '../../src-main/services/rsp.js';
import { Workbench } from '../../src-main/services/workbench.js';
import { trustStoreOf } from '../../src-main/rsp/tls-trust.js';
import { createVirtualEuicc, type VirtualEuicc } from '../../src-main/sim/euicc/virtual-euicc.js';
import { startTestSmdp, type TestSmdp } from '../../src-main/sim/smdp/index.js';
import { runEwb } from '../helpers/cli-run.js';
import { generatedPki } from '../helpers/pki-fixtures.js';

const SEED = 'cli-batch';
/** A second EID (valid check digits) under the same EUM: the same seed gives the same CI and EUM keys. */
const EID_B = '89049032123451234512345678902205';
const ICCID_A = '8949449999999990106';
const ICCID_B = '8949449999999990205';
const CC_B = '5678';

describe('ewb batch download into two virtual eUICCs at once', () => {
  let dir: string;
  let smdp: TestSmdp;
  let cards: VirtualEuicc[];
  let wb: Workbench;
  const events: WorkbenchEvent[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'ewb-cli-batch-'));
    const pki = generatedPki({ seed: SEED });
    smdp = await startTestSmdp({ pki, listen: { host: '127.0.0.1', port: 0 } });
    smdp.orders.add({ matchingId: 'BENCH-A', profile: { iccid: ICCID_A, imsi: '001010000000106', spn: 'Bench A' } });
    smdp.orders.add({ matchingId: 'BENCH-B', confirmationCode: CC_B, profile: { iccid: ICCID_B, imsi: '001010000000205', spn: 'Bench B' } });
    cards = [
      await createVirtualEuicc({ pki, id: 'bench-a' }),
      await createVirtualEuicc({ pki: generatedPki({ seed: SEED, eid: EID_B }), id: 'bench-b' }),
    ];
    wb = new Workbench({
      providers: cards.map((card) => new VirtualDeviceProvider(card)),
      rsp: rspFeatures({ dataDir: dir, es9: { trust: trustStoreOf(pki.ci.map((c) => c.cert)), hostOverrides: { [smdp.host]: `127.0.0.1:${smdp.port}` } } }),
    });
    wb.subscribe((e) => events.push(e));
  });

  afterAll(async () => {
    await wb.close();
    await smdp.close();
    await Promise.all(cards.map((c) => c.close()));
    await rm(dir, { recursive: true, force: true });
  });

  it('installs each order on its own card, the confirmation code answered for the one that needs it', async () => {
    expect((await wb.listDevices()).map((d) => d.id)).toEqual(['virtual:bench-a', 'virtual:bench-b']);
    const codes = path.join(dir, 'codes.txt');
    await writeFile(codes, ['# two trays', `LPA:1$${smdp.host}$BENCH-A`, `LPA:1$${smdp.host}$BENCH-B$$1  ${CC_B}`, ''].join('\n'));
    const report = path.join(dir, 'report.json');

    // --all leaves virtual eUICCs out, so the bench names them.
    const run = await runEwb(['batch', 'download', '--codes', codes, '--devices', 'virtual:bench-a,virtual:bench-b', '--yes', '--json', '--report', report], wb);
    expect(run.stderr).not.toContain(CC_B);
    expect(run.code, run.stderr).toBe(0);

    const result = JSON.parse(run.stdout) as BatchReport;
    expect(result).toMatchObject({ succeeded: 2, failed: 0 });
    expect(result.results.map((r) => [r.deviceId, r.status, r.iccid])).toEqual([
      ['virtual:bench-a', 'succeeded', ICCID_A],
      ['virtual:bench-b', 'succeeded', ICCID_B],
    ]);
    // On the cards themselves, one profile each; the SM-DP+ saw both installs.
    expect(cards.map((c) => c.state.state.profiles.map((p) => p.iccid))).toEqual([[ICCID_A], [ICCID_B]]);
    expect([smdp.orders.get('BENCH-A')?.state, smdp.orders.get('BENCH-B')?.state]).toEqual(['installed', 'installed']);

    // Both operations were under way before either ended.
    const firstFinished = events.findIndex((e) => e.type === 'operation-finished');
    const progressBefore = events.slice(0, firstFinished).filter((e) => e.type === 'operation-progress');
    expect(new Set(progressBefore.map((e) => (e.type === 'operation-progress' ? e.deviceId : '')))).toEqual(new Set(['virtual:bench-a', 'virtual:bench-b']));
    // The confirmation code went to bench-b's operation through its prompt.
    const ccPrompts = events.filter((e) => e.type === 'operation-prompt' && e.prompt.kind === 'confirmation-code');
    expect(ccPrompts).toHaveLength(1);
    const bOperation = events.find((e) => e.type === 'operation-progress' && e.deviceId === 'virtual:bench-b');
    expect(ccPrompts[0]?.type === 'operation-prompt' && ccPrompts[0].operationId).toBe(bOperation?.type === 'operation-progress' && bOperation.operationId);
  });
});
