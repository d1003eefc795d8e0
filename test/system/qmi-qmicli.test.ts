/**
 * Real Debian `qmicli` (libqmi-utils 1.32) against the virtual QMI modem: on its raw pty, through the
 * real qmi-proxy (-p) in a private network namespace, through the modem's own qmi-proxy-style socket,
 * and in MBIM mode. Also the QmicliBridge on the same modem.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isWorkbenchError } from '../../shared/errors.js';
import { startVirtualQmiModem } from '../../src-main/sim/qmi-modem/start-virtual-qmi-modem.js';
import type { RunningVirtualQmiModem } from '../../src-main/sim/qmi-modem/start-virtual-qmi-modem.js';
import { QmicliBridge } from '../../src-main/transports/qmicli/qmicli-bridge.js';
import { NetnsProcess, run } from '../helpers/qmi-netns.js';
import { createScriptedEuicc } from '../helpers/qmi-scripted-card.js';
import type { ScriptedEuicc } from '../helpers/qmi-scripted-card.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const QMI_PROXY = '/usr/libexec/qmi-proxy';

const cidBalance = (m: RunningVirtualQmiModem): number => m.modem.events.filter((e) => e.type === 'cid-allocated').length - m.modem.events.filter((e) => e.type === 'cid-released').length;

describe('real qmicli on the virtual modem pty (blank eUICC, seed modem)', () => {
  let card: ScriptedEuicc;
  let modem: RunningVirtualQmiModem;
  let pty: string;
  beforeAll(async () => {
    card = createScriptedEuicc();
    modem = await startVirtualQmiModem({ card, endpoints: [{ kind: 'pty' }, { kind: 'pty', framing: 'mbim' }] });
    pty = modem.ptyPath ?? '';
  });
  afterAll(async () => modem.close());

  it('--get-service-version-info prints the modem services', async () => {
    const r = await run('qmicli', ['--device-open-qmi', '-d', pty, '--get-service-version-info']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`[${pty}] Supported versions:\n\tctl (1.5)\n\tuim (1.46)\n`);
  });

  it('--uim-get-card-status shows the card present with no application', async () => {
    const r = await run('qmicli', ['--device-open-qmi', '-d', pty, '--uim-get-card-status']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`[${pty}] Successfully got card status`);
    expect(r.stdout).toContain("\tPrimary GW:   session doesn't exist");
    expect(r.stdout).toContain("Slot [1]:\n\tCard state: 'present'");
    expect(r.stdout).not.toContain('Application [');
    expect(cidBalance(modem)).toBe(0);
  });

  it('works in MBIM mode (QMI inside MBIM) with --device-open-mbim', async () => {
    const mbim = modem.endpoints[1]?.address ?? '';
    const r = await run('qmicli', ['--device-open-mbim', '-d', mbim, '--uim-get-card-status']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Card state: 'present'");
  });

  it('QmicliBridge: version 1.32 (no APDU support), card status, slot status, power cycle', async () => {
    const bridge = new QmicliBridge({ device: pty });
    expect(await bridge.version()).toEqual({ major: 1, minor: 32, micro: 2 });
    expect(await bridge.supportsApdu()).toBe(false);
    const tooOld = await bridge.openChannelTransport(1).catch((e: unknown) => e);
    expect(isWorkbenchError(tooOld, 'QMICLI_TOO_OLD')).toBe(true);
    expect((await bridge.cardStatus()).cards).toEqual([{ slot: 1, state: 'present', applications: [] }]);
    expect((await bridge.slotStatus()).slots).toEqual([{ slot: 1, cardPresent: true, active: true, isEuicc: true }]);
    const before = card.received.length;
    card.provisioned = true;
    await bridge.powerCycle(1);
    // Power-on re-probes the card: now it has EF.ICCID and a USIM in EF.DIR.
    expect(card.received.slice(before)).toContain('00A40804022FE2');
    const after = await bridge.cardStatus();
    expect(after.cards[0]?.applications.map((a) => [a.type, a.state])).toEqual([['usim (2)', 'ready']]);
    card.provisioned = false;
    await bridge.powerCycle(1);
    expect(cidBalance(modem)).toBe(0);
  });
});

describe('real qmicli -p through the real qmi-proxy (private network namespace)', () => {
  let modem: RunningVirtualQmiModem;
  let proxy: NetnsProcess;
  beforeAll(async () => {
    modem = await startVirtualQmiModem({ card: createScriptedEuicc({ provisioned: true }), endpoints: [{ kind: 'pty' }] });
    proxy = NetnsProcess.start(QMI_PROXY, ['--no-exit']);
    await proxy.waitForAbstractSocket('qmi-proxy');
  });
  afterAll(async () => {
    await proxy.stop();
    await modem.close();
  });

  it('--uim-get-card-status through the proxy reaches the pty modem', async () => {
    const r = await proxy.exec('qmicli', ['-p', '--device-open-qmi', '-d', modem.ptyPath ?? '', '--uim-get-card-status']);
    expect(r.stderr).not.toContain('error');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Application type:  'usim (2)'");
    expect(r.stdout).toContain("Application state: 'ready'");
    // The proxy consumed the 0xFF00 open itself; the modem saw a normal client come and go.
    expect(modem.modem.events.some((e) => e.type === 'proxy-open')).toBe(false);
    expect(cidBalance(modem)).toBe(0);
  });

  it('--get-service-version-info through the proxy', async () => {
    const r = await proxy.exec('qmicli', ['-p', '--device-open-qmi', '-d', modem.ptyPath ?? '', '--get-service-version-info']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('\tctl (1.5)\n\tuim (1.46)');
  });
});

describe("real qmicli -p against the modem's own qmi-proxy socket (private network namespace)", () => {
  let child: NetnsProcess;
  let output = '';
  beforeAll(async () => {
    child = NetnsProcess.start(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'test/helpers/qmi-modem-process.ts'), JSON.stringify({ endpoints: [{ kind: 'abstract' }] })]);
    child.child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    await child.waitForAbstractSocket('qmi-proxy');
  });
  afterAll(async () => child.stop());

  it('answers the proxy open with the device path and serves card status', async () => {
    const r = await child.exec('qmicli', ['-p', '--device-open-qmi', '-d', '/dev/null', '--uim-get-card-status']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Card state: 'present'");
    expect(output).toContain('EVENT {"type":"proxy-open","devicePath":"/dev/null"}');
    expect(output).toMatch(/EVENT \{"type":"cid-released","service":11,"clientId":1\}/);
  });
});
