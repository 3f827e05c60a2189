import { renameSync, rmSync, writeFileSync } from 'node:fs';

let sequence = 0;

/** Writes via a temp file (suffix ".tmp") and rename, so readers see the old or the new content, never a part. */
export function writeFileAtomic(path: string, data: string, mode = 0o600): void {
  const temp = `${path}.${process.pid}.${sequence++}.tmp`;
  try {
    writeFileSync(temp, data, { mode });
    renameSync(temp, path);
  } catch (e) {
    rmSync(temp, { force: true });
    throw e;
  }
}
