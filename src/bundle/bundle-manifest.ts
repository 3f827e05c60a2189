import { join } from 'node:path';

// bin/berth.js loads this module before anything else, on every command. Built-ins through
// process.getBuiltinModule: an ESM import of node:fs or node:crypto builds their ESM facades,
// which read every export (fs.promises loads the streams, crypto the web crypto): ~15 ms.
const { existsSync, readFileSync, statSync } = process.getBuiltinModule('node:fs');

/** Where `npm install` (scripts/build-cli.ts) writes the bundled CLI, relative to the repository root. */
export const BUNDLE_DIR = 'dist/cli';
export const BUNDLE_ENTRY = 'berth.js';
/** The instance supervisor's entry (src/instances/supervisor-main.ts). */
export const SUPERVISOR_ENTRY = 'supervisor.js';
export const BUNDLE_MANIFEST = 'manifest.json';

/**
 * When this process last found each bundle folder fresh (Date.now()), shared by every copy of this
 * module in it: bin/berth.js loads the source, the bundle has its own. One manifest covers every entry.
 */
const FRESH_KEY = Symbol.for('berth.bundle-fresh-at');
const FRESH_AT: Map<string, number> = ((globalThis as { [FRESH_KEY]?: Map<string, number> })[FRESH_KEY] ??= new Map<string, number>());

/** What the build records next to the bundle: every source file it was made from and their hash. */
export interface BundleManifest {
  /** Paths relative to the repository root. */
  inputs: string[];
  /** sha256 of the inputs' names and contents. */
  hash: string;
  /**
   * The files whose stamps stand for the inputs (see stampedFiles), in order; absent in a manifest of
   * an earlier build, whose stamps are the inputs' own.
   */
  checked?: string[];
  /** The checked files' inode, size, mtime and ctime when hashed, in order (see statStamp). */
  stamps: string[];
}

/**
 * The files whose stamps are compared on every command: each source file, and for the files of a
 * bundled package (kysely: about 250 of them) that package's package.json alone. npm, pnpm and yarn
 * install a package as a whole, package.json included, so an updated package has a new package.json;
 * and `npm install` builds the bundle again anyway. A file of a package edited in place by hand, with
 * its package.json untouched, is not seen.
 */
export function stampedFiles(inputs: readonly string[]): string[] {
  const files = new Set<string>();
  for (const path of inputs) {
    const pkg = /^(node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(path);
    files.add(pkg ? `${pkg[1]}/package.json` : path);
  }
  return [...files];
}

/** Hash of the files' names and contents; throws when one of them is gone. */
export function hashSources(root: string, inputs: readonly string[]): string {
  // Only a touched input needs the hash (and the crypto module).
  const h = process.getBuiltinModule('node:crypto').createHash('sha256');
  for (const path of [...inputs].sort()) {
    h.update(path).update('\0').update(readFileSync(join(root, path))).update('\0');
  }
  return h.digest('hex');
}

/**
 * A file's inode, size, mtime and ctime (ns). Any write, rename onto it or metadata change moves the
 * ctime, which no tool can set back: an unchanged stamp means unchanged content.
 */
export function statStamp(path: string): string {
  const s = statSync(path, { bigint: true });
  return `${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
}

/** The manifest for these inputs as they are on disk now. */
export function manifestOf(root: string, inputs: readonly string[]): BundleManifest {
  const checked = stampedFiles(inputs);
  return { inputs: [...inputs], hash: hashSources(root, inputs), checked, stamps: checked.map((p) => statStamp(join(root, p))) };
}

/**
 * The bundle's entry file (the CLI's unless named) when it was built from exactly the sources now on
 * disk, else null: a missing, unreadable or stale bundle means "run the sources" (never stale code).
 * Cheap when no input was touched since the build (one stat per source file and per bundled
 * package); a touched one costs a content hash of all inputs, which still accepts the bundle when
 * the contents are the same.
 * With `reuseMs`, a folder this process found fresh at most that long ago is not checked again (the
 * instance starter spawns the supervisor of the build bin/berth.js checked at its start).
 */
export function freshBundleEntry(root: string, bundleDir = BUNDLE_DIR, entry = BUNDLE_ENTRY, opts: { reuseMs?: number } = {}): string | null {
  const dir = join(root, bundleDir);
  const checkedAt = FRESH_AT.get(dir);
  if (opts.reuseMs !== undefined && checkedAt !== undefined && Date.now() - checkedAt <= opts.reuseMs) {
    const path = join(dir, entry);
    return existsSync(path) ? path : null;
  }
  FRESH_AT.delete(dir);
  const path = checkedEntry(root, dir, entry);
  if (path !== null) FRESH_AT.set(dir, Date.now());
  return path;
}

function checkedEntry(root: string, dir: string, entry: string): string | null {
  try {
    const manifest = JSON.parse(readFileSync(join(dir, BUNDLE_MANIFEST), 'utf8')) as BundleManifest;
    const { inputs, stamps } = manifest;
    const checked = manifest.checked ?? inputs;
    if (!Array.isArray(inputs) || inputs.length === 0 || !Array.isArray(stamps) || !Array.isArray(checked)) return null;
    const path = join(dir, entry);
    if (!existsSync(path)) return null;
    // Concatenated, not join()ed: normalising 400 paths costs more than stat-ing them.
    const base = root.endsWith('/') ? root : `${root}/`;
    if (stamps.length === checked.length && checked.every((p, i) => statStamp(base + p) === stamps[i])) return path;
    return hashSources(root, inputs) === manifest.hash ? path : null;
  } catch {
    return null;
  }
}
