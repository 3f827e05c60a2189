import { chmodSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { BerthConfig } from '../config/config.ts';

/** Files at BERTH_HOME's top level that hold secrets or other people's data: owner-only. */
const PRIVATE_FILES = ['berth.db', 'berth.db-wal', 'berth.db-shm', 'berth.db-journal'];
const PRIVATE_DIRS = ['keys', 'workloads'];

/**
 * BERTH_HOME is the server's alone: the folder 0700 (0710 for the workload group when the server
 * runs workloads as BERTH_WORKLOAD_USER: they pass through to their own run folders, never list or
 * read anything else), the store, its WAL, the keys, the workload registry and top-level logs 0600.
 * Files another user owns (a shared home opened up on purpose) are left as they are.
 */
export function secureHome(config: Pick<BerthConfig, 'home' | 'hostWorkloads'>): void {
  mkdirSync(config.home, { recursive: true, mode: 0o700 });
  const mode = statSync(config.home).mode & 0o7777;
  const keep = config.hostWorkloads === 'workload-user' && mode === 0o710;
  if (!keep) tighten(config.home, 0o700);
  for (const name of PRIVATE_FILES) tighten(join(config.home, name), 0o600);
  for (const name of PRIVATE_DIRS) tighten(join(config.home, name), 0o700);
  for (const name of safeList(config.home)) if (name.endsWith('.log')) tighten(join(config.home, name), 0o600);
  for (const name of safeList(join(config.home, 'keys'))) tighten(join(config.home, 'keys', name), 0o600);
}

function tighten(path: string, mode: number): void {
  try {
    const st = statSync(path);
    if (st.uid !== process.getuid?.()) return;
    if ((st.mode & 0o7777) !== mode) chmodSync(path, mode);
  } catch {
    // Missing, or not ours to change.
  }
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
