import { existsSync, rmSync } from 'node:fs';
import { sharedMemoryFolderOf } from '../../src/runtimes/process/live-state-dir.ts';

/** Removes a test's BERTH_HOME and the folder in /dev/shm holding its records of live workloads (decision 0024). */
export function removeHome(home: string, root = home): void {
  const live = existsSync(home) ? sharedMemoryFolderOf(home) : undefined;
  if (live !== undefined) rmSync(live, { recursive: true, force: true });
  rmSync(root, { recursive: true, force: true });
}
