import type { ExitStatus, WorkloadSpec } from '../driver.ts';
import { readProcStat } from '../../leases/proc-stat.ts';
import { readExitFile, writeExitFile } from './exit-file.ts';
import { releaseWorkload, spawnWorkload } from './spawn-workload.ts';
import { unlinkIfThere } from './unlink-if-there.ts';
import type { RegistryEntry } from './workload-registry.ts';

/** A workload just started, by the launcher or under the wrapper, before the driver owns it. */
export interface Started {
  wrapped: boolean;
  /** The registry entry is already written. */
  recorded: boolean;
  /** Called once the driver has written the registry entry (when `recorded` was false): the workload may run. */
  onRecorded: () => void;
  pid: number;
  pgid: number;
  startTime: number;
  exited: (entry: RegistryEntry) => Promise<ExitStatus>;
  release: () => void;
}

/** The fallback without python3: Node spawns a /bin/sh wrapper that records the exit code. */
export async function startUnderWrapper(spec: WorkloadSpec, exitFile: string, forget: (id: string, pid: number) => void): Promise<Started> {
  // An exit file left by an earlier workload of this id must not be read as this one's end.
  await unlinkIfThere(exitFile);
  const child = await spawnWorkload(spec, exitFile);
  // The child cannot have been reaped yet (that needs a turn of the event loop), so its stat is there.
  const stat = readProcStat(child.pid);
  const ended = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.once('exit', (code, signal) => resolve([code, signal])));
  // Nothing is emitted after a successful spawn, but an unhandled 'error' would crash Berth.
  child.on('error', () => undefined);
  return {
    wrapped: true,
    recorded: false,
    onRecorded: () => releaseWorkload(child),
    pid: child.pid,
    pgid: stat?.pgrp ?? child.pid,
    startTime: stat?.startTime ?? -1,
    release: () => child.unref(),
    exited: async (entry) => {
      const [code, signal] = await ended;
      forget(entry.id, entry.pid);
      // The wrapper's record (the workload's own code) wins; otherwise keep what the parent saw.
      const recorded = readExitFile(entry.exitFile);
      const status: ExitStatus = recorded ?? { code, signal };
      if (!recorded) recordQuietly(entry.exitFile, status);
      return status;
    },
  };
}

/** A failed write leaves adopters without the code; this instance's waiters still get it from memory. */
function recordQuietly(path: string, status: ExitStatus): void {
  try {
    writeExitFile(path, status);
  } catch {
    // See above.
  }
}
