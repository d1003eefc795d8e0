#!/usr/bin/env node
// `ewb` launcher. A packaged build runs the compiled CLI from dist/; a source checkout runs the
// TypeScript directly through tsx, so `npx ewb …` works right after `npm ci` without a build step.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const compiled = join(root, 'dist', 'src-main', 'cli', 'main.js');
const source = join(root, 'src-main', 'cli', 'main.ts');

let entry = compiled;
if (!existsSync(compiled)) {
  const { register } = await import('tsx/esm/api');
  register();
  entry = source;
}
const { runCli } = await import(pathToFileURL(entry).href);
process.exitCode = await runCli(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
});
