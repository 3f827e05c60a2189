import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { unlinkIfThere } from './unlink-if-there.ts';
import { join } from 'node:path';
import { BerthError } from '../../errors.ts';
import type { OwnerLabels } from '../driver.ts';
import { writeFileAtomic } from './write-file-atomic.ts';

/** What the process driver remembers about one workload, enough for any later Berth process to adopt it. */
export interface RegistryEntry {
  id: string;
  pid: number;
  pgid: number;
  /** /proc/<pid>/stat field 22 at start: tells the workload from a later process that got the same pid. */
  startTime: number;
  labels: OwnerLabels;
  logPath: string;
  command: string[];
  cwd: string;
  /** Kept for exec, which runs next to the workload with the same environment (hence mode 0600). */
  env: Record<string, string>;
  exitFile: string;
  /** Started under the /bin/sh wrapper (the group leader is the wrapper, not the workload). */
  wrapped?: boolean;
  /** ISO timestamp. */
  createdAt: string;
}

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,199}$/;

/**
 * One `<id>.json` per workload (written atomically) and its `<id>.exit`, in one folder. Entries an
 * earlier Berth left in `legacy` (its folder before decision 0024) are still found, listed and
 * removed there; new ones go to `dir` only.
 */
export class WorkloadRegistry {
  readonly dir: string;
  readonly #legacy: string | undefined;

  /** `legacy` is consulted only when it holds entries now: a step's start and removal touch no other folder. */
  constructor(dir: string, legacy?: string) {
    this.dir = dir;
    this.#legacy = legacy !== undefined && legacy !== dir && listEntries(legacy).length > 0 ? legacy : undefined;
  }

  ensureDir(): void {
    mkdirSync(this.dir, { recursive: true });
  }

  /** Where launcher processes append their own errors (not any workload's output). */
  launcherLogPath(): string {
    return join(this.dir, 'launcher.log');
  }

  exitPath(id: string): string {
    return join(this.dir, `${checkId(id)}.exit`);
  }

  read(id: string): RegistryEntry | undefined {
    return readEntry(this.entryPath(id)) ?? (this.#legacy !== undefined ? readEntry(join(this.#legacy, `${checkId(id)}.json`)) : undefined);
  }

  write(entry: RegistryEntry): void {
    writeFileAtomic(this.entryPath(entry.id), JSON.stringify(entry));
  }

  /** Every readable entry; a damaged file is skipped (it cannot be adopted) rather than failing the listing. */
  list(): RegistryEntry[] {
    const entries = listEntries(this.dir);
    if (this.#legacy === undefined) return entries;
    const seen = new Set(entries.map((e) => e.id));
    return [...entries, ...listEntries(this.#legacy).filter((e) => !seen.has(e.id))];
  }

  /** Off the event loop (libuv's pool): a run removes its steps' entries while the next steps start. */
  async delete(id: string): Promise<void> {
    const dirs = this.#legacy !== undefined ? [this.dir, this.#legacy] : [this.dir];
    await Promise.all(dirs.flatMap((dir) => ['json', 'exit'].map((ext) => unlinkIfThere(join(dir, `${checkId(id)}.${ext}`)))));
  }

  /** The entry file (mode 0600: it holds the environment); written atomically by Berth or the launcher. */
  entryPath(id: string): string {
    return join(this.dir, `${checkId(id)}.json`);
  }
}

function readEntry(path: string): RegistryEntry | undefined {
  // Usually asked of a workload about to start (absent): answered without an exception.
  if (!existsSync(path)) return undefined;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  return JSON.parse(text) as RegistryEntry;
}

/** Every readable entry of a folder; a damaged file is skipped (it cannot be adopted) rather than failing the listing. */
function listEntries(dir: string): RegistryEntry[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const entries: RegistryEntry[] = [];
  for (const name of names) {
    if (!name.endsWith('.json')) continue;
    try {
      entries.push(JSON.parse(readFileSync(join(dir, name), 'utf8')) as RegistryEntry);
    } catch {
      continue;
    }
  }
  return entries;
}

/** Ids become file names: keep them to a safe alphabet. */
function checkId(id: string): string {
  if (ID_PATTERN.test(id)) return id;
  throw new BerthError('BERTH_E_DRIVER', `workload id "${id}" cannot name a registry file`, {
    problems: [{ path: 'id', message: 'must be 1-200 letters, digits, ".", "_" or "-", starting with a letter or digit', fix: 'derive the id from run and step ids' }],
  });
}
