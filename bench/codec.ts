/**
 * Codec throughput: schema encode/decode of a 30-profile GetProfilesInfo response and of a ~100 KB
 * Bound Profile Package, against a baseline measured in the same run (plain BER-TLV parsing of the
 * same bytes). Run: `npx tsx bench/codec.ts`. Writes bench/results/codec.json (overwritten).
 */
import { randomBytes } from 'node:crypto';
import { parseTlvSequence } from '../src-main/codec/ber-tlv.js';
import { decode, encode, withRawOf } from '../src-main/codec/schema.js';
import type { AnySchema, Infer } from '../src-main/codec/schema.js';
import { BoundProfilePackage, InitialiseSecureChannelRequest, ProfileInfoListResponse } from '../src-main/codec/sgp22/index.js';
import { printTable, writeResults } from './lib/report.js';

const MIN_TIME_MS = 1000;

/** Runs `fn` repeatedly for at least MIN_TIME_MS after a warm-up; returns operations per second. */
function opsPerSecond(fn: () => unknown): number {
  const warmUntil = performance.now() + 200;
  while (performance.now() < warmUntil) fn();
  let ops = 0;
  let batch = 1;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < MIN_TIME_MS) {
    for (let i = 0; i < batch; i++) fn();
    ops += batch;
    elapsed = performance.now() - start;
    if (elapsed < MIN_TIME_MS / 10) batch *= 2;
  }
  return (ops * 1000) / elapsed;
}

function profileList(count: number): Infer<typeof ProfileInfoListResponse> {
  const profiles = Array.from({ length: count }, (_, i) => ({
    iccid: `894450010123456${String(i).padStart(4, '0')}`,
    isdpAid: Uint8Array.from([0xa0, 0, 0, 5, 0x59, 0x10, 0x10, 0xff, 0xff, 0xff, 0xff, 0x89, 0, 0, 0x10 + i, 0]),
    profileState: i === 0 ? ('enabled' as const) : ('disabled' as const),
    profileNickname: `Profile ${i}`,
    serviceProviderName: 'Example Tel',
    profileName: `Example plan ${i}`,
    profileClass: 'operational' as const,
    notificationConfigurationInfo: [{ profileManagementOperation: ['notificationInstall' as const, 'notificationDelete' as const], notificationAddress: 'smdp.example.com' }],
    profileOwner: { mccMnc: '26201', gid1: Uint8Array.of(0x12) },
    profilePolicyRules: [],
  }));
  return { kind: 'profileInfoListOk', value: profiles };
}

function boundProfilePackage(targetBytes: number): Infer<typeof BoundProfilePackage> {
  const segment = 1020 - 4; // 86 82 03 F8 + 1016 bytes of ciphertext and MAC
  return {
    initialiseSecureChannelRequest: withRawOf(InitialiseSecureChannelRequest, {
      remoteOpId: 'installBoundProfilePackage',
      transactionId: randomBytes(16),
      controlRefTemplate: { keyType: Uint8Array.of(0x88), keyLen: Uint8Array.of(0x10), hostId: randomBytes(8) },
      smdpOtpk: randomBytes(65),
      smdpSign: randomBytes(64),
    }),
    firstSequenceOf87: [randomBytes(32)],
    sequenceOf88: [randomBytes(200), randomBytes(120)],
    sequenceOf86: Array.from({ length: Math.ceil(targetBytes / (segment + 4)) }, () => randomBytes(segment)),
  };
}

interface Row {
  payload: string;
  bytes: number;
  operation: string;
  opsPerSec: number;
  mbPerSec: number;
  /** Time per operation relative to the baseline parse of the same bytes (1 = as fast as parsing). */
  ratioToBaseline: number;
}

function measure(payload: string, schema: AnySchema, value: unknown): Row[] {
  const bytes = encode(schema, value);
  const baseline = opsPerSecond(() => parseTlvSequence(bytes));
  const rows: [string, number][] = [
    ['baseline parseTlvSequence', baseline],
    ['schema decode', opsPerSecond(() => decode(schema, bytes))],
    ['schema encode', opsPerSecond(() => encode(schema, value))],
  ];
  return rows.map(([operation, ops]) => ({
    payload,
    bytes: bytes.length,
    operation,
    opsPerSec: Math.round(ops),
    mbPerSec: Number(((ops * bytes.length) / 1e6).toFixed(1)),
    ratioToBaseline: Number((baseline / ops).toFixed(2)),
  }));
}

const results = [
  ...measure('GetProfilesInfo response, 30 profiles', ProfileInfoListResponse, profileList(30)),
  ...measure('BoundProfilePackage, ~100 KB', BoundProfilePackage, boundProfilePackage(100 * 1024)),
];

printTable(
  ['payload', 'bytes', 'operation', 'ops/s', 'MB/s', '× baseline time'],
  results.map((r) => [r.payload, String(r.bytes), r.operation, r.opsPerSec.toLocaleString('en'), String(r.mbPerSec), String(r.ratioToBaseline)]),
  (c) => c >= 1,
);
writeResults('codec', { minTimeMs: MIN_TIME_MS, results });
