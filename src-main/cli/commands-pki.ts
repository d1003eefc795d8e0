/** `ewb pki init`: a test PKI (CI → EUM → eUICC, CI → SM-DP+ / SM-DS) written in the SGP.26 layout. */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { WorkbenchError } from '../../shared/errors.js';
import { toHex } from '../../shared/hex.js';
import { generateTestPki, PKI_LAYOUT, writePkiDir } from '../crypto/index.js';
import { singleArgument } from './command.js';
import type { CliCommand } from './command.js';
import { stringOption } from './commands-sim-common.js';
import { formatFields, printAnswer } from './format.js';
import { EXIT } from './io.js';

const USAGE = 'pki init <dir> [--seed S] [--eid EID] [--force] [--json]';

export const pkiInitCommand: CliCommand = {
  name: 'pki init',
  summary: 'Generate a test PKI (CI, EUM, eUICC, SM-DP+, SM-DS certificates and keys) into a directory',
  usage: USAGE,
  details: [
    'The same --seed gives byte-identical files, so fixtures are reproducible; without it the keys are random.',
    'FOR LOOPBACK TESTING ONLY: anyone with the seed has every private key.',
    'Use the directory with `ewb sim start --pki DIR` and `ewb sim smdp --pki DIR`, so card and server trust each other.',
    '--force writes over an existing PKI in DIR.',
  ].join('\n'),
  options: { seed: { type: 'string' }, eid: { type: 'string' }, force: { type: 'boolean' } },
  async run(ctx) {
    const dir = singleArgument(ctx, 'the directory to write', USAGE);
    const eid = stringOption(ctx, 'eid');
    if (eid !== undefined && !/^\d{32}$/.test(eid)) throw new WorkbenchError('USAGE', `EID "${eid}" is not 32 digits.`, 'An EID is 32 decimal digits, e.g. 89049032123451234512345678901235.');
    if (existsSync(path.join(dir, PKI_LAYOUT.ci.dir)) && ctx.options.force !== true) {
      throw new WorkbenchError('PKI_DIR_EXISTS', `${dir} already holds a PKI.`, 'Choose another directory, or pass --force to replace it (cards made with the old PKI stop working).');
    }
    const seed = stringOption(ctx, 'seed');
    const pki = generateTestPki({ seed: seed ?? new Uint8Array(randomBytes(32)), ...(eid === undefined ? {} : { eid }) });
    await writePkiDir(pki, dir);
    const summary = {
      dir: path.resolve(dir),
      eid: pki.euicc.eid,
      ciPkIds: pki.ci.map((ci) => toHex(ci.ski).toUpperCase()),
      smdpHost: pki.dpTls.host,
      ...(pki.ds ? { smdsHost: pki.ds.tls.host } : {}),
      deterministic: seed !== undefined,
    };
    printAnswer(ctx, summary, () =>
      [
        `Test PKI written to ${summary.dir}`,
        formatFields([
          ['  EID', summary.eid],
          ['  CI key ids', summary.ciPkIds.join(', ')],
          ['  SM-DP+ host', summary.smdpHost],
          ['  SM-DS host', summary.smdsHost],
          ['  Seed', seed === undefined ? 'random (not reproducible)' : 'given (reproducible)'],
        ]),
      ].join('\n'),
    );
    return EXIT.ok;
  },
};
