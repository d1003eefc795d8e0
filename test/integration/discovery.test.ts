/**
 * Discovery at the test SM-DS (ES11) over HTTPS with the virtual eUICC, then the download of the
 * offered event from the test SM-DP+ (matching ID = eventId).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WorkbenchError } from '../../shared/errors.js';
import { buildProfilePackage } from '../../src-main/codec/saip/index.js';
import { activationCodeOf, discoverEvents } from '../../src-main/rsp/discovery.js';
import { runDownload } from '../../src-main/rsp/download.js';
import { fakeContext } from '../helpers/rsp-fakes.js';
import { startRspLab } from '../helpers/rsp-lab.js';
import type { RspLab } from '../helpers/rsp-lab.js';

let lab: RspLab;
beforeEach(async () => {
  lab = await startRspLab({ withSmds: true });
});
afterEach(async () => {
  await lab.close();
});

describe('discovery at the SM-DS', () => {
  it('lists the events for this eUICC from its root SM-DS; an event downloads with eventId as matching ID', async () => {
    const smds = lab.smds;
    if (!smds) throw new Error('lab without SM-DS');
    const eid = lab.euicc.identity.eid;
    smds.events.register({ eventId: 'EVT-1', rspServerAddress: lab.smdp.host, eid });
    smds.events.register({ eventId: 'EVT-OTHER', rspServerAddress: lab.smdp.host, eid: '89049032123451234512345678900000' });
    lab.smdp.orders.add({ matchingId: 'EVT-1', profilePackage: buildProfilePackage({ iccid: '8949449999999990025', imsi: '001010000000025', spn: 'Event Tel' }) });
    await lab.euicc.state.transaction((draft) => {
      draft.rootDsAddress = smds.host;
    });

    const result = await lab.withCard((card) => discoverEvents({ card, es9: lab.es9 }));
    expect(result).toEqual({ smdsAddress: smds.host, events: [{ eventId: 'EVT-1', rspServerAddress: lab.smdp.host }] });
    const [event] = result.events;
    if (!event) throw new Error('no event');
    expect(activationCodeOf(event)).toBe(`LPA:1$${lab.smdp.host}$EVT-1`);

    const installed = await lab.withCard((card) => runDownload({ card, es9: lab.es9, notifications: lab.queue }, { activationCode: activationCodeOf(event) }, fakeContext()));
    expect(installed.iccid).toBe('8949449999999990025');
  });

  it('an explicit SM-DS address is used; an unknown address is refused by the SM-DS with a clear error', async () => {
    const smds = lab.smds;
    if (!smds) throw new Error('lab without SM-DS');
    const empty = await lab.withCard((card) => discoverEvents({ card, es9: lab.es9 }, { smdsAddress: smds.host.toUpperCase() }));
    expect(empty.events).toEqual([]);
    const err = await lab.withCard((card) => discoverEvents({ card, es9: { ...lab.es9, hostOverrides: { 'lpa.ds.example.com': `127.0.0.1:${smds.port}` } } }, { smdsAddress: 'lpa.ds.example.com' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkbenchError);
    expect((err as WorkbenchError).code).toBe('ES9_TLS_NAME_MISMATCH');
  });
});
