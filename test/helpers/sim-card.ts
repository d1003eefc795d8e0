/** Helpers for tests of the virtual card platform (src-main/sim/card). */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fromHex, toHex } from '../../shared/hex.js';
import type { CardApplet } from '../../src-main/sim/card/applet.js';
import { EcasdApplet, Es10Applet, type Es10RequestHandler } from '../../src-main/sim/card/es10-applet.js';
import type { FaultInjector } from '../../src-main/sim/card/faults.js';
import { VirtualCard } from '../../src-main/sim/card/virtual-card.js';
import { createBlankState, createProfile, type CardProtocol, type EuiccState, type TestProfileOptions } from '../../src-main/sim/euicc/state.js';
import { StateStore } from '../../src-main/sim/euicc/state-store.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const sharedDir = path.resolve(repoRoot, '..', 'shared');

export const TEST_PROFILE: TestProfileOptions = {
  iccid: '8944476500001234567',
  imsi: '001010123456789',
  serviceProviderName: 'Test Op',
  contacts: [{ name: 'Alice', number: '+4912345' }],
  pin1: '1234',
  pin1Enabled: true,
  puk1: '87654321',
  adnRecords: 5,
  smsRecords: 3,
};

/** A state with the test profile enabled (or a blank one). */
export function stateWith(profile: TestProfileOptions | undefined): EuiccState {
  const state = createBlankState();
  if (profile !== undefined) state.profiles.push(createProfile(profile));
  return state;
}

/** Echo handler: answers every ES10 request with `BF3E 03 5C 01 5A`-style echo wrapped in 30. */
export const echoHandler: Es10RequestHandler = async (request) => Uint8Array.of(0x30, request.length, ...request);

export interface TestCard {
  card: VirtualCard;
  store: StateStore;
  /** Sends hex, returns the response as upper-case hex. */
  send(apduHex: string): Promise<string>;
}

export function makeCard(o: { profile?: TestProfileOptions; protocol?: CardProtocol; handler?: Es10RequestHandler; applets?: CardApplet[]; faults?: FaultInjector; store?: StateStore } = {}): TestCard {
  const store = o.store ?? StateStore.inMemory(stateWith(o.profile));
  const applets = o.applets ?? [new Es10Applet({ handler: o.handler ?? echoHandler }), new EcasdApplet()];
  const card = new VirtualCard({ store, applets, ...(o.protocol ? { protocol: o.protocol } : {}), ...(o.faults ? { faults: o.faults } : {}), sleep: async () => undefined });
  card.powerOn();
  return { card, store, send: async (apduHex) => toHex(await card.transmit(fromHex(apduHex))).toUpperCase() };
}

export interface SeedExchange {
  command: string;
  response: string;
}

/** Instructions whose data flows card → terminal in a T=0 exchange (P3 = Le). */
const OUTGOING_INS = new Set([0xc0, 0xb0, 0xb2, 0xf2, 0x12, 0xca]);

/**
 * Splits a T=0 byte trace (header, procedure byte = INS, data, SW1 SW2 — as a logic analyser shows it)
 * into command APDUs and response APDUs as PC/SC would carry them.
 */
export function splitT0Trace(bytes: Uint8Array): SeedExchange[] {
  const out: SeedExchange[] = [];
  let i = 0;
  while (i + 5 <= bytes.length) {
    const header = bytes.slice(i, i + 5);
    const ins = header[1] ?? 0;
    const p3 = header[4] ?? 0;
    i += 5;
    let commandData = new Uint8Array(0);
    let responseData = new Uint8Array(0);
    const outgoing = OUTGOING_INS.has(ins);
    if (bytes[i] === ins) {
      i++;
      const n = outgoing && p3 === 0 ? 256 : p3;
      if (outgoing) responseData = bytes.slice(i, i + n);
      else commandData = bytes.slice(i, i + n);
      i += n;
    }
    const sw = bytes.slice(i, i + 2);
    i += 2;
    const command = outgoing || commandData.length === 0 ? header : Uint8Array.of(...header, ...commandData);
    out.push({ command: toHex(command).toUpperCase(), response: toHex(Uint8Array.of(...responseData, ...sw)).toUpperCase() });
  }
  return out;
}

/** The APDU exchanges of seed 000 (blank eUICC behind a Sierra EM7455). */
export function seed000Exchanges(): SeedExchange[] {
  const text = readFileSync(path.join(sharedDir, 'seeds', '000_7e444c8cf66b0aef.txt'), 'utf8');
  const line = text.split('\n').find((l) => l.startsWith('0x00 0xA4'));
  if (line === undefined) throw new Error('seed 000 trace line not found');
  return splitT0Trace(fromHex(line.replace(/0x/g, '')));
}
