/**
 * A full profile download through PC/SC: the download orchestrator (src-main/rsp/download.ts) talks
 * ES9+ to the test SM-DP+ over HTTPS on loopback and ES10 to the virtual eUICC through the real
 * pcscd + vpcd, so every APDU of the session (BPP segments included) crosses libpcsclite.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApduLog } from '../../src-main/card/apdu-log.js';
import { CardSession } from '../../src-main/card/card-session.js';
import { withEs10 } from '../../src-main/euicc/es10-session.js';
import { PcscContext } from '../../src-main/links/pcsc-context.js';
import type { DownloadContext } from '../../src-main/rsp/download.js';
import { runDownload } from '../../src-main/rsp/download.js';
import type { VpcdClient } from '../../src-main/sim/vpcd/vpcd-client.js';
import { VPCD_DEFAULT_PORT } from '../../src-main/sim/vpcd/vpcd-protocol.js';
import { PcscCardTransport } from '../../src-main/transports/pcsc/pcsc-transport.js';
import { VPCD_SLOTS, insertIntoVpcd } from '../helpers/pcsc-vpcd.js';
import type { RspLab } from '../helpers/rsp-lab.js';
import { startRspLab } from '../helpers/rsp-lab.js';
import { missingPcscTools, startPcscd } from '../helpers/sim-pcscd.js';
import type { PcscdHandle } from '../helpers/sim-pcscd.js';

const missing = missingPcscTools();
const READER = VPCD_SLOTS[0].reader;
const PROFILE = { iccid: '8949449999999990057', imsi: '001010000000057', spn: 'PCSC Tel' };

/** An operation context that accepts everything and records the steps. */
function autoContext(steps: string[]): DownloadContext {
  return {
    signal: AbortSignal.timeout(90_000),
    progress: (step) => steps.push(step),
    notice: () => undefined,
    prompt: () => Promise.reject(new Error('no prompt expected: autoConsent and no confirmation code')),
  };
}

describe.skipIf(missing.length > 0)(`profile download through real pcscd + vpcd${missing.length > 0 ? ` (skipped: not installed: ${missing.join(', ')})` : ''}`, () => {
  let pcscd: PcscdHandle | undefined;
  let lab: RspLab;
  let client: VpcdClient | undefined;
  const context = new PcscContext();

  beforeAll(async () => {
    pcscd = await startPcscd(VPCD_DEFAULT_PORT);
    lab = await startRspLab();
    client = await insertIntoVpcd(lab.euicc.card, 0);
    await context.waitForReader(READER, (s) => s?.cardPresent === true, AbortSignal.timeout(15_000));
  });

  afterAll(async () => {
    await client?.stop();
    await context.close();
    await lab?.close();
    await pcscd?.stop();
  });

  it('downloads and installs a profile; the card lists it afterwards, read again over PC/SC', async () => {
    lab.smdp.orders.add({ matchingId: 'PCSC-DOWNLOAD-1', profile: PROFILE });
    const transport = await PcscCardTransport.open(context, READER);
    const session = new CardSession(transport, new ApduLog());
    const steps: string[] = [];
    const result = await withEs10(session, (card) =>
      runDownload({ card, es9: lab.es9, notifications: lab.queue }, { activationCode: lab.activationCode('PCSC-DOWNLOAD-1'), autoConsent: true }, autoContext(steps)),
    );
    await session.close();
    expect(result.iccid).toBe(PROFILE.iccid);
    expect(lab.smdp.orders.get('PCSC-DOWNLOAD-1')?.state).toBe('installed');
    expect(steps).toEqual(expect.arrayContaining(['authenticate-server', 'prepare-download', 'load-bound-profile-package']));

    const again = new CardSession(await PcscCardTransport.open(context, READER), new ApduLog());
    const profiles = await withEs10(again, (es10) => es10.getProfilesInfo());
    await again.close();
    expect(JSON.stringify(profiles)).toContain(PROFILE.spn);
    expect(lab.euicc.state.state.profiles.map((p) => p.iccid)).toContain(PROFILE.iccid);
  });
});
