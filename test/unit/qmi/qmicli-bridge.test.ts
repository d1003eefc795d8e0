import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isWorkbenchError } from '../../../shared/errors.js';
import { fromHex, toHex } from '../../../shared/hex.js';
import { QmicliBridge } from '../../../src-main/transports/qmicli/qmicli-bridge.js';
import { parseCardStatusText, parseQmicliVersion, parseSlotStatusText, qmicliFailure } from '../../../src-main/transports/qmicli/qmicli-output.js';

// Text as qmicli 1.32.2 prints it (captured against the virtual modem).
const CARD_STATUS = `[/dev/cdc-wdm0] Successfully got card status
Provisioning applications:
\tPrimary GW:   slot '1', application '1'
\tPrimary 1X:   session doesn't exist
\tSecondary GW: session doesn't exist
\tSecondary 1X: session doesn't exist
Slot [1]:
\tCard state: 'present'
\tUPIN state: 'not-initialized'
\t\tUPIN retries: '0'
\t\tUPUK retries: '0'
\tApplication [1]:
\t\tApplication type:  'usim (2)'
\t\tApplication state: 'ready'
\t\tApplication ID:
\t\t\tA0:00:00:00:87:10:02:FF:33:FF:01:89:00:00:01:0A
\t\tPersonalization state: 'ready'
\t\tUPIN replaces PIN1: 'no'
`;
const SLOT_STATUS = `[/dev/cdc-wdm0] Successfully got slots status
[/dev/cdc-wdm0] 2 physical slots found:
  Physical slot 1:
     Card status: present
     Slot status: active
    Logical slot: 1
           ICCID: 89000123456789012341
        Protocol: uicc
        Num apps: 1
        Is eUICC: yes
  Physical slot 2:
     Card status: absent
     Slot status: inactive
`;

describe('qmicli output parsers', () => {
  it('reads versions, card status and slot status', () => {
    expect(parseQmicliVersion('qmicli 1.32.2\nCopyright (C) 2012-2022 Aleksander Morgado\n')).toEqual({ major: 1, minor: 32, micro: 2 });
    const cards = parseCardStatusText(CARD_STATUS);
    expect(cards).toHaveLength(1);
    expect(cards[0]).toMatchObject({ slot: 1, state: 'present', applications: [{ type: 'usim (2)', state: 'ready' }] });
    expect(toHex(cards[0]?.applications[0]?.aid ?? new Uint8Array())).toBe('a0000000871002ff33ff01890000010a');
    expect(parseSlotStatusText(SLOT_STATUS)).toEqual([
      { slot: 1, cardPresent: true, active: true, iccid: '89000123456789012341', isEuicc: true },
      { slot: 2, cardPresent: false, active: false },
    ]);
  });

  it('maps a failure line with a QMI protocol error', () => {
    const err = qmicliFailure("error: send apdu operation failed: QMI protocol error (82): 'AccessDenied'\n", ['--uim-send-apdu=1,1,00']);
    expect(err.code).toBe('QMICLI_FAILED');
    expect(err.message).toBe("qmicli: send apdu operation failed: QMI protocol error (82): 'AccessDenied'");
    expect(err.details).toMatchObject({ qmiError: 82, qmiErrorName: 'AccessDenied' });
    expect(err.hint).toMatch(/blank eUICC/);
  });
});

describe('QmicliChannelTransport (a scripted qmicli 1.36)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ewb-fake-qmicli-'));
  const log = path.join(dir, 'args.log');
  const binary = path.join(dir, 'qmicli');
  fs.writeFileSync(
    binary,
    `#!/bin/sh
echo "$*" >> '${log}'
case "$*" in
  *--version*) echo "qmicli 1.36.0" ;;
  *--uim-noop*--client-no-release-cid*) printf "[/dev/cdc-wdm0] Client ID not released:\\n\\tService: 'uim'\\n\\t    CID: '7'\\n" ;;
  *--uim-open-logical-channel=*) echo "Open Logical Channel operation successfully completed: 2" ;;
  *--uim-send-apdu=1,2,DEAD*) echo "error: send apdu operation failed: QMI protocol error (82): 'AccessDenied'" >&2; exit 1 ;;
  *--uim-send-apdu=*) echo "Send APDU operation successfully completed: 6F:10:90:00" ;;
  *--uim-close-logical-channel=*) echo "Close Logical Channel operation successfully completed" ;;
  *--uim-noop*) echo "[/dev/cdc-wdm0] Client ID released" ;;
  *) echo "error: unexpected" >&2; exit 1 ;;
esac
`,
    { mode: 0o755 },
  );
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('keeps one client id across runs and parses the exact output lines', async () => {
    const bridge = new QmicliBridge({ device: '/dev/cdc-wdm0', proxy: true, binary });
    expect(await bridge.supportsApdu()).toBe(true);
    const t = await bridge.openChannelTransport(1);
    expect(t.clientId).toBe(7);
    const ch = await t.openLogicalChannel(fromHex('A0000005591010FFFFFFFF8900000100'));
    expect(ch.channel).toBe(2);
    expect(toHex(await t.transmit(2, fromHex('81E2910003BF2000')))).toBe('6f109000');
    const refused = await t.transmit(2, fromHex('DEAD')).catch((e: unknown) => e);
    expect(isWorkbenchError(refused, 'QMICLI_FAILED')).toBe(true);
    await t.close();
    const lines = fs.readFileSync(log, 'utf8').trim().split('\n');
    expect(lines).toEqual([
      '--version',
      '-d /dev/cdc-wdm0 -p --device-open-qmi --uim-noop --client-no-release-cid',
      '-d /dev/cdc-wdm0 -p --device-open-qmi --client-cid=7 --client-no-release-cid --uim-open-logical-channel=1,A0000005591010FFFFFFFF8900000100',
      '-d /dev/cdc-wdm0 -p --device-open-qmi --client-cid=7 --client-no-release-cid --uim-send-apdu=1,2,81E2910003BF2000',
      '-d /dev/cdc-wdm0 -p --device-open-qmi --client-cid=7 --client-no-release-cid --uim-send-apdu=1,2,DEAD',
      // close(): the channel still open, then the run that releases the client id
      '-d /dev/cdc-wdm0 -p --device-open-qmi --client-cid=7 --client-no-release-cid --uim-close-logical-channel=1,2',
      '-d /dev/cdc-wdm0 -p --device-open-qmi --client-cid=7 --uim-noop',
    ]);
  });

  it('reports a missing binary with the package to install', async () => {
    const err = await new QmicliBridge({ device: '/dev/x', binary: path.join(dir, 'nope') }).version().catch((e: unknown) => e);
    expect(isWorkbenchError(err, 'QMICLI_MISSING')).toBe(true);
    expect((err as { hint: string }).hint).toMatch(/libqmi-utils/);
  });
});
