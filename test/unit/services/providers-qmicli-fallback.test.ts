/**
 * The QMI provider's qmicli fallback: when the native path cannot open the device (ModemManager holds
 * it, or no permission) and qmicli ≥ 1.36 is there, the device is opened through the qmicli bridge
 * (a fake qmicli here) and the user is told. The native open is replaced by one that fails the way
 * CharDeviceQmuxLink does (EBUSY/EACCES cannot be produced for root in a unit test).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { WorkbenchError, isWorkbenchError } from '../../../shared/errors.js';
import { fromHex, toHex } from '../../../shared/hex.js';
import { QmiDeviceProvider } from '../../../src-main/services/providers/qmi-provider.js';
import { openQmiCard } from '../../../src-main/transports/qmi/open-qmi-card.js';
import type * as OpenQmiCardModule from '../../../src-main/transports/qmi/open-qmi-card.js';
import { QmicliBridge } from '../../../src-main/transports/qmicli/qmicli-bridge.js';
import { createFakeQmicli } from '../../helpers/qmicli-fake.js';
import type { FakeQmicli } from '../../helpers/qmicli-fake.js';

vi.mock('../../../src-main/transports/qmi/open-qmi-card.js', async (importOriginal) => ({
  ...(await importOriginal<typeof OpenQmiCardModule>()),
  openQmiCard: vi.fn(),
}));

const ISD_R = 'A0000005591010FFFFFFFF8900000100';
const GET_EID_CH1 = '81E2910006BF3E035C015A';
const EID = '89049032123451234512345678901235';

const busy = (path: string): WorkbenchError =>
  new WorkbenchError('QMI_DEVICE_BUSY', `${path} is held by another program (usually ModemManager).`, 'Open the modem through qmi-proxy instead.', { details: { path, errno: 'EBUSY' } });
const noAccess = (path: string): WorkbenchError => new WorkbenchError('QMI_DEVICE_ACCESS', `No permission to open ${path}.`, 'Run as root.', { details: { path, errno: 'EACCES' } });

let f: FakeQmicli;
afterEach(async () => f.cleanup());

function failNativeWith(err: unknown): void {
  vi.mocked(openQmiCard).mockReset().mockRejectedValue(err);
}

function qmiProvider(binary = f.binary): QmiDeviceProvider {
  return new QmiDeviceProvider({ env: {}, qmicliFallback: (o) => new QmicliBridge({ ...o, binary }) });
}

describe('native QMI open fails, qmicli ≥ 1.36 takes over', () => {
  beforeEach(async () => {
    f = await createFakeQmicli();
  });

  it('busy (ModemManager): opens through qmicli -p, says so, and APDUs round-trip under the qmi: id', async () => {
    await f.respond(GET_EID_CH1, `BF3E125A10${EID}9000`);
    failNativeWith(busy(f.device));
    const id = `qmi:${f.device}`;
    const opened = await qmiProvider().open(id);
    expect(opened.accessMode).toBe('qmicli');
    expect(opened.notices).toEqual([
      `${f.device} is held by another program (usually ModemManager): using qmicli 1.36.0 through qmi-proxy instead (logical channels only; qmicli has no UIM SAP for a blank eUICC).`,
    ]);
    const t = opened.transport;
    if (t.shape !== 'channel') throw new Error('expected a channel transport');
    expect(t.info).toMatchObject({ id, kind: 'qmicli' });
    const { channel } = await t.openLogicalChannel(fromHex(ISD_R));
    expect(toHex(await t.transmit(channel, fromHex(GET_EID_CH1))).toUpperCase()).toBe(`BF3E125A10${EID}9000`);
    await t.close();
    const dev = `-d ${f.device} -p --device-open-qmi`;
    expect(await f.calls()).toEqual([
      '--version',
      `${dev} --uim-noop --client-no-release-cid`,
      `${dev} --client-cid=7 --client-no-release-cid --uim-open-logical-channel=1,${ISD_R}`,
      `${dev} --client-cid=7 --client-no-release-cid --uim-send-apdu=1,1,${GET_EID_CH1}`,
      `${dev} --client-cid=7 --client-no-release-cid --uim-close-logical-channel=1,1`,
      `${dev} --client-cid=7 --uim-noop`,
    ]);
  });

  it('no permission: opens through qmicli on the device itself (no -p); MBIM-mode devices with --device-open-mbim', async () => {
    failNativeWith(noAccess(f.device));
    const opened = await qmiProvider().open(`qmi:mbim:${f.device}`);
    expect(opened.notices?.[0]).toBe(`${f.device} cannot be opened natively (no permission): using qmicli 1.36.0 instead (logical channels only; qmicli has no UIM SAP for a blank eUICC).`);
    await opened.transport.close();
    expect((await f.calls())[1]).toBe(`-d ${f.device} --device-open-mbim --uim-noop --client-no-release-cid`);
  });

  it('finds the busy error inside a wrapped cause chain', async () => {
    failNativeWith(new WorkbenchError('CARD_IO_ERROR', 'card I/O failed', 'retry', { cause: busy(f.device) }));
    const opened = await qmiProvider().open(`qmi:${f.device}`);
    expect(opened.accessMode).toBe('qmicli');
    await opened.transport.close();
  });

  it('qmicli cannot open it either: the native error code, with the qmicli failure in the hint', async () => {
    const gone = `${f.device}-unplugged`;
    failNativeWith(busy(gone));
    const err = (await qmiProvider()
      .open(`qmi:${gone}`)
      .catch((e: unknown) => e)) as WorkbenchError;
    expect(isWorkbenchError(err, 'QMI_DEVICE_BUSY')).toBe(true);
    expect(err.message).toBe(`${gone} is held by another program (usually ModemManager).`);
    expect(err.hint).toMatch(/^Open the modem through qmi-proxy instead\. \(qmicli 1\.36\.0 could not open it either: qmicli: couldn't create QmiDevice/);
    expect(isWorkbenchError(err.cause, 'QMICLI_FAILED')).toBe(true);
  });
});

describe('no fallback: the native error is rethrown as is', () => {
  it('qmicli 1.32 (no APDU options): rethrown after only asking the version', async () => {
    f = await createFakeQmicli({ version: '1.32.2' });
    const native = busy(f.device);
    failNativeWith(native);
    expect(await qmiProvider().open(`qmi:${f.device}`).catch((e: unknown) => e)).toBe(native);
    expect(await f.calls()).toEqual(['--version']);
  });

  it('qmicli not installed', async () => {
    f = await createFakeQmicli();
    const native = busy(f.device);
    failNativeWith(native);
    expect(await qmiProvider(`${f.binary}-missing`).open(`qmi:${f.device}`).catch((e: unknown) => e)).toBe(native);
  });

  it('other failures (no card, device missing) and a disabled fallback never run qmicli', async () => {
    f = await createFakeQmicli();
    const absent = new WorkbenchError('CARD_ABSENT', 'The modem sees no card in slot 1.', 'Insert the card.');
    failNativeWith(absent);
    expect(await qmiProvider().open(`qmi:${f.device}`).catch((e: unknown) => e)).toBe(absent);
    const native = busy(f.device);
    failNativeWith(native);
    const disabled = new QmiDeviceProvider({ env: {}, qmicliFallback: false });
    expect(await disabled.open(`qmi:${f.device}`).catch((e: unknown) => e)).toBe(native);
    expect(await f.calls()).toEqual([]);
  });
});
