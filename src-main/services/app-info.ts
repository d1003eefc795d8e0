import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The SGP.22 version the LPA side implements (ES10/ES9+ v2.x with v2.5 ASN.1). */
export const SGP22_VERSION = '2.5.0';

interface PackageInfo {
  readonly name: string;
  readonly version: string;
  /** Folder of the package.json (the app's root: build/ resources are found from here). */
  readonly root: string;
}

let cached: PackageInfo | undefined;

/**
 * Name, version and root folder of the app, from its package.json found by walking up from this
 * module (the same code runs from src-main/ through tsx and from dist/ when built).
 */
export function packageInfo(): PackageInfo {
  if (cached) return cached;
  const start = dirname(fileURLToPath(import.meta.url));
  let dir = start;
  for (let i = 0; i < 6; i++, dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'esim-workbench') return (cached = { name: pkg.name, version: pkg.version ?? '0.0.0', root: dir });
    }
  }
  return (cached = { name: 'esim-workbench', version: '0.0.0', root: start });
}
