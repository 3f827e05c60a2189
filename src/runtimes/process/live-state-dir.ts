import { lstatSync, mkdirSync, readFileSync, realpathSync, statfsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from './write-file-atomic.ts';

/** statfs's f_type of a tmpfs (linux/magic.h). */
const TMPFS_MAGIC = 0x01021994;

export interface LiveStateDirs {
  /** Where new records go: the registry (entry and exit file per workload), the launcher's log, the mount stage. */
  dir: string;
  /** Where a Berth before decision 0024 kept them (`<home>/workloads/process`), read too while it holds any; absent when it is `dir`. */
  legacy?: string;
}

export interface LiveStateOptions {
  home: string;
  /** BERTH_RUNTIME_DIR: used as given. */
  runtimeDir?: string;
  /** Where shared memory is mounted (tests point it elsewhere). */
  shm?: string;
  uid?: number;
}

/**
 * Where the process runtime records its live workloads (decision 0024). Those records describe
 * processes, which do not outlive the machine, so by default they are kept in memory: a folder
 * `berth-<uid>/<home hash>/process` in /dev/shm, when that is a tmpfs and `berth-<uid>` is this
 * user's own and private (someone who made it first cannot read or plant records: Berth then keeps
 * them under home, as before). Creating and removing each step's two files there costs a fraction
 * of what it costs on a disk. The hash is of the home's real path, so every Berth process of one
 * home finds the same folder and two homes never share one.
 */
export function liveStateDirs(opts: LiveStateOptions): LiveStateDirs {
  const legacy = join(opts.home, 'workloads', 'process');
  const chosen = opts.runtimeDir !== undefined ? join(opts.runtimeDir, 'process') : inSharedMemory(opts);
  if (chosen === undefined || chosen === legacy) return { dir: legacy };
  try {
    mkdirSync(chosen, { recursive: true, mode: 0o700 });
  } catch {
    return { dir: legacy };
  }
  return { dir: chosen, legacy };
}

function inSharedMemory(opts: LiveStateOptions): string | undefined {
  const uid = opts.uid ?? process.getuid?.();
  if (uid === undefined) return undefined;
  const mine = userFolder(uid, opts.shm);
  try {
    if (statfsSync(dirname(mine)).type !== TMPFS_MAGIC) return undefined;
    try {
      mkdirSync(mine, { mode: 0o700 });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') return undefined;
    }
    // Never through a link, never a folder someone else made or can look into.
    const st = lstatSync(mine);
    if (!st.isDirectory() || st.uid !== uid || (st.mode & 0o077) !== 0) return undefined;
    // Made first (the store usually has): the real path of a home reached through a link is the same for every process.
    mkdirSync(opts.home, { recursive: true, mode: 0o700 });
    return join(mine, homeKey(opts.home), 'process');
  } catch {
    return undefined;
  }
}

/**
 * The folder in shared memory that holds an existing home's records (`…/berth-<uid>/<hash>`),
 * whether or not it was made; nothing is created. For removing it along with the home.
 */
export function sharedMemoryFolderOf(home: string, opts: { shm?: string; uid?: number } = {}): string | undefined {
  const uid = opts.uid ?? process.getuid?.();
  if (uid === undefined) return undefined;
  try {
    return join(userFolder(uid, opts.shm), homeKey(home));
  } catch {
    return undefined;
  }
}

/** `berth-<uid>` in shared memory. */
function userFolder(uid: number, shm = '/dev/shm'): string {
  return join(shm, `berth-${uid}`);
}

/** Where a home remembers its key, beside the real path it is the key of. */
export const HOME_KEY_FILE = 'live-state-key';

/**
 * The first 32 hex digits of the sha256 of the home's real path. Remembered in the home: hashing
 * needs node:crypto, whose loading is about 12 ms of an instance's start and of its supervisor's.
 * The file is used only while it names the home's real path (a home moved or copied elsewhere hashes
 * again) and holds a key of the right shape (it is a path component).
 */
function homeKey(home: string): string {
  const real = realpathSync(home);
  const memo = join(real, HOME_KEY_FILE);
  try {
    const [path, key, rest] = readFileSync(memo, 'utf8').split('\n');
    if (path === real && key !== undefined && /^[0-9a-f]{32}$/.test(key) && !rest) return key;
  } catch {
    // Not remembered yet.
  }
  const key = process.getBuiltinModule('node:crypto').createHash('sha256').update(real).digest('hex').slice(0, 32);
  try {
    writeFileAtomic(memo, `${real}\n${key}`);
  } catch {
    // A home Berth cannot write to: hashed every time.
  }
  return key;
}
