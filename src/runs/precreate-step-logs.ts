import { open } from 'node:fs/promises';
import { join } from 'node:path';

/** How many files are created at once (on libuv's thread pool), leaving its other threads free. */
const WORKERS = 2;

/**
 * Creates a run's (empty) step log files in the background, in plan order. Creating a file costs
 * far more than opening an existing one, and the launcher opens a step's log just before it starts
 * the step: done here, while earlier steps run, that cost is off each step's start. Best effort:
 * whoever starts a step still creates its log when it is not there yet (both open for appending,
 * so neither truncates the other's output).
 */
export function precreateStepLogs(paths: readonly string[]): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < paths.length) {
      const path = paths[next++]!;
      try {
        await (await open(path, 'a', 0o600)).close();
      } catch {
        // See above: the step's start creates it.
      }
    }
  };
  return Promise.all(Array.from({ length: Math.min(WORKERS, paths.length) }, worker)).then(() => undefined);
}

/** Where a step's output goes: `<run dir>/logs/<step uuid>.log`. */
export function stepLogPath(runDir: string, stepUuid: string): string {
  return join(runDir, 'logs', `${stepUuid}.log`);
}
