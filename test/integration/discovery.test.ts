/**
 * Discovery at the test SM-DS (ES11) over HTTPS with the virtual eUICC, then the download of the
 * offered event from the test SM-DP+ (matching ID = eventId); and a cascade over two test SM-DS.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WorkbenchError } from '../../shared/errors.js';
import { buildProfilePackage } from '../../src-main/codec/saip/index.js';
import { activationCodeOf, discoverEvents } from '../../src-main/rsp/discovery.js';
import { runDownload } from '../../src-main/rsp/download.js';
import { startTestSmds } from '../../src-main/sim/smdp/index.js';
import { fakeContext } from '../helpers/rsp-fakes.js';
import { generatedPki } from '../helpers/pki-fixtures.js';
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
    expect(result).toEqual({ smdsAddress: smds.host, events: [{ eventId: 'EVT-1', rspServerAddress: lab.smdp.host, smdsAddress: smds.host }], queried: [smds.host], notices: [] });
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

describe('SM-DS cascade', () => {
  it('follows the root SM-DS to a second SM-DS over HTTPS, stops the loop back, and the cascaded event downloads', async () => {
    const root = lab.smds;
    if (!root) throw new Error('lab without SM-DS');
    // The test PKI derives every key from the seed, and the CI does not depend on the SM-DS host: the
    // same seed with another smdsHost gives the lab's CI (so the eUICC and the LPA trust it) and a
    // DS.TLS certificate for the second host name.
    const secondPki = generatedPki({ seed: 'rsp-lab', smdsHost: 'testsmds2.example.com' });
    expect(secondPki.ci.map((c) => c.cert.der)).toEqual(lab.pki.ci.map((c) => c.cert.der));
    const second = await startTestSmds({ pki: secondPki, listen: { host: '127.0.0.1', port: 0 } });
    try {
      expect(second.host).toBe('testsmds2.example.com');
      const eid = lab.euicc.identity.eid;
      root.events.register({ eventId: 'EVT-ROOT', rspServerAddress: lab.smdp.host, eid });
      root.events.register({ eventId: 'TO-DS2', rspServerAddress: second.host, eid });
      second.events.register({ eventId: 'EVT-DS2', rspServerAddress: lab.smdp.host, eid });
      second.events.register({ eventId: 'BACK-TO-ROOT', rspServerAddress: root.host, eid });
      lab.smdp.orders.add({ matchingId: 'EVT-DS2', profilePackage: buildProfilePackage({ iccid: '8949449999999990033', imsi: '001010000000033', spn: 'Cascade Tel' }) });
      const es9 = { ...lab.es9, hostOverrides: { ...lab.es9.hostOverrides, [second.host]: `127.0.0.1:${second.port}` } };
      const warnings: string[] = [];

      const result = await lab.withCard((card) => discoverEvents({ card, es9 }, { smdsAddress: root.host, cascadeSmdsAddresses: [second.host], onWarning: (m) => warnings.push(m) }));
      expect(result.events).toEqual([
        { eventId: 'EVT-ROOT', rspServerAddress: lab.smdp.host, smdsAddress: root.host },
        { eventId: 'EVT-DS2', rspServerAddress: lab.smdp.host, smdsAddress: second.host },
      ]);
      expect(result.queried).toEqual([root.host, second.host]);
      expect(result.notices.map((n) => [n.kind, n.target, n.eventId, n.listedBy])).toEqual([['loop', root.host, 'BACK-TO-ROOT', second.host]]);
      expect(warnings).toHaveLength(1);
      // One ES11 session (two requests) per SM-DS: the root was not asked again.
      expect(root.stats.requests).toBe(2);
      expect(second.stats.requests).toBe(2);

      const cascaded = result.events[1];
      if (!cascaded) throw new Error('no cascaded event');
      const installed = await lab.withCard((card) => runDownload({ card, es9, notifications: lab.queue }, { activationCode: activationCodeOf(cascaded) }, fakeContext()));
      expect(installed.iccid).toBe('8949449999999990033');
    } finally {
      await second.close();
    }
  });
});
