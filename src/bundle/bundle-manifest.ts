import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where `npm install` (scripts/build-cli.ts) writes the bundled CLI, relative to the repository root. */
export const BUNDLE_DIR = 'dist/cli';
export const BUNDLE_ENTRY = 'berth.js';
/** The instance supervisor's entry (src/engine/instances/supervisor-main.ts). */
export const SUPERVISOR_ENTRY = 'supervisor.js';
export const BUNDLE_MANIFEST = 'manifest.json';

/** What the build records next to the bundle: every source file it was made from and their hash. */
export interface BundleManifest {
  /** Paths relative to the repository root. */
  inputs: string[];
  hash: string;
}

/** Hash of the files' names and contents; throws when one of them is gone. */
export function hashSources(root: string, inputs: readonly string[]): string {
  const h = createHash('sha256');
  for (const path of [...inputs].sort()) {
    h.update(path).update('\0').update(readFileSync(join(root, path))).update('\0');
  }
  return h.digest('hex');
}

/**
 * The bundle's entry file (the CLI's unless named) when it was built from exactly the sources now on disk, else null: a
 * missing, unreadable or stale bundle means "run the sources" (never stale code).
 */
export function freshBundleEntry(root: string, bundleDir = BUNDLE_DIR, entry = BUNDLE_ENTRY): string | null {
  try {
    const dir = join(root, bundleDir);
    const manifest = JSON.parse(readFileSync(join(dir, BUNDLE_MANIFEST), 'utf8')) as BundleManifest;
    if (!Array.isArray(manifest.inputs) || manifest.inputs.length === 0) return null;
    const path = join(dir, entry);
    return existsSync(path) && hashSources(root, manifest.inputs) === manifest.hash ? path : null;
  } catch {
    return null;
  }
}
