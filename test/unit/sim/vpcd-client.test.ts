import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../shared/hex.js';
import { VpcdClient } from '../../../src-main/sim/vpcd/vpcd-client.js';
import { VpcdFrameDecoder, encodeVpcdFrame } from '../../../src-main/sim/vpcd/vpcd-protocol.js';
import { makeCard } from '../../helpers/sim-card.js';

/** A stand-in for pcscd's vpcd driver: listens, and lets the test talk to the connected card. */
class FakeVpcd {
  server: Server;
  socket: Socket | undefined;
  #decoder = new VpcdFrameDecoder();
  #waiters: ((frame: Uint8Array) => void)[] = [];
  #connected: (() => void)[] = [];

  constructor() {
    this.server = createServer((s) => {
      this.socket = s;
      s.on('data', (c: Buffer) => {
        for (const f of this.#decoder.push(new Uint8Array(c))) this.#waiters.shift()?.(f);
      });
      for (const w of this.#connected.splice(0)) w();
    });
  }

  listen(port = 0): Promise<number> {
    return new Promise((resolve) => this.server.listen(port, '127.0.0.1', () => resolve((this.server.address() as { port: number }).port)));
  }

  connected(): Promise<void> {
    return this.socket !== undefined && !this.socket.destroyed ? Promise.resolve() : new Promise((r) => this.#connected.push(r));
  }

  /** Sends a message; resolves with the card's answer. */
  request(payload: string): Promise<string> {
    return new Promise((resolve) => {
      this.#waiters.push((f) => resolve(toHex(f).toUpperCase()));
      this.socket?.write(encodeVpcdFrame(fromHex(payload)));
    });
  }

  send(payload: string): void {
    this.socket?.write(encodeVpcdFrame(fromHex(payload)));
  }

  async close(): Promise<void> {
    this.socket?.destroy();
    this.socket = undefined;
    this.#decoder.reset();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('vpcd framing', () => {
  it('splits a byte stream into length-prefixed messages across chunk borders', () => {
    const d = new VpcdFrameDecoder();
    expect(d.push(Uint8Array.of(0x00))).toEqual([]);
    expect(d.push(Uint8Array.of(0x01, 0x04, 0x00, 0x03, 0xaa))).toEqual([Uint8Array.of(0x04)]);
    expect(d.push(Uint8Array.of(0xbb, 0xcc, 0x00, 0x01, 0x01))).toEqual([Uint8Array.of(0xaa, 0xbb, 0xcc), Uint8Array.of(0x01)]);
    expect(encodeVpcdFrame(Uint8Array.of(0x04))).toEqual(Uint8Array.of(0x00, 0x01, 0x04));
  });
});

describe('VpcdClient', () => {
  it('answers power, ATR and APDU messages, and reconnects after the reader restarts', async () => {
    const fake = new FakeVpcd();
    const port = await fake.listen();
    const { card } = makeCard({ protocol: 'T=0' });
    card.powerOff();
    const client = new VpcdClient({ card, port, initialDelayMs: 20, maxDelayMs: 100 });
    client.start();
    cleanups.push(() => client.stop());
    await fake.connected();
    await client.whenConnected();
    fake.send('01'); // power on
    expect(await fake.request('04')).toBe('3B979680B1FE451FC78031E073FE211FB1');
    expect(await fake.request('00A4040010A0000005591010FFFFFFFF8900000100')).toBe('6121');
    fake.send('02'); // reset drops the pending response
    expect(await fake.request('00C0000021')).toBe('6985');
    fake.send('00');
    expect(await fake.request('04')).toBe('3B979680B1FE451FC78031E073FE211FB1');

    // pcscd restarts: same port, new listener; the client comes back by itself.
    await fake.close();
    const again = new FakeVpcd();
    await again.listen(port);
    cleanups.push(() => again.close());
    await again.connected();
    again.send('01');
    expect(await again.request('0070000001')).toBe('019000');
  });

  it('disconnects while the card is pulled and reconnects when it is inserted', async () => {
    const fake = new FakeVpcd();
    const port = await fake.listen();
    cleanups.push(() => fake.close());
    const { card } = makeCard({ protocol: 'T=1' });
    const client = new VpcdClient({ card, port, initialDelayMs: 20 });
    client.start();
    cleanups.push(() => client.stop());
    await fake.connected();
    const first = fake.socket;
    const closed = new Promise<void>((r) => first?.once('close', () => r()));
    card.remove();
    await closed;
    expect(client.status).toBe('waiting');
    card.insert();
    await fake.connected();
    expect(fake.socket).not.toBe(first);
    fake.send('01');
    expect(await fake.request('0070000001')).toBe('019000');
  });
});
