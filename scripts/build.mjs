// Builds what the app runs from:
//   renderer → dist/renderer                  (Vite, src-renderer/vite.config.ts)
//   main     → dist/src-main, dist/shared     (tsc, src-main/app/tsconfig.build.json)
//              + dist/src-main/app/preload.cjs (Vite library build: sandboxed preloads must be one CommonJS file)
// Usage: node scripts/build.mjs [renderer|main ...]   (no argument: both)
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export async function buildRenderer() {
  await build({ configFile: join(root, 'src-renderer', 'vite.config.ts'), logLevel: 'warn' });
  console.log('built dist/renderer');
}

export async function buildMain() {
  const tsc = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'src-main', 'app', 'tsconfig.build.json')], {
    stdio: 'inherit',
  });
  if (tsc.status !== 0) throw new Error('tsc failed for the main process (see above)');
  await build({
    configFile: false,
    root,
    logLevel: 'warn',
    publicDir: false,
    build: {
      outDir: join(root, 'dist', 'src-main', 'app'),
      emptyOutDir: false,
      minify: false,
      sourcemap: false,
      target: 'node20',
      lib: { entry: join(root, 'src-main', 'app', 'preload.ts'), formats: ['cjs'], fileName: () => 'preload.cjs' },
      rollupOptions: { external: ['electron'] },
    },
  });
  console.log('built dist/src-main (main process) and dist/src-main/app/preload.cjs');
}

const TARGETS = { renderer: buildRenderer, main: buildMain };

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((t) => !(t in TARGETS));
  if (unknown.length > 0) {
    console.error(`unknown build target(s): ${unknown.join(', ')} (known: ${Object.keys(TARGETS).join(', ')})`);
    process.exit(2);
  }
  for (const target of wanted.length > 0 ? wanted : Object.keys(TARGETS)) await TARGETS[target]();
}
