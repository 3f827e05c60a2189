import { chmodSync, lstatSync } from 'node:fs';
import { resolve, sep } from 'node:path';

/**
 * Takes every permission of "other users" off a project folder (not its contents: the folder is
 * the gate), so workloads of other projects, which run as the same workload user in other groups,
 * cannot enter it. Its own workloads get in through the project's group. Only folders this process
 * owns are changed, never "/" or a folder right below it (such a project cannot run workloads as
 * the workload user at all); a missing folder is left to the calls that need it.
 */
export function closeProjectFolder(path: string): void {
  // "/" or "/srv" as a project: other users' access to the system is not a project's to take.
  if (resolve(path).split(sep).filter(Boolean).length < 2) return;
  try {
    const st = lstatSync(path);
    if (!st.isDirectory() || st.uid !== process.getuid?.()) return;
    if ((st.mode & 0o007) !== 0) chmodSync(path, st.mode & 0o7770);
  } catch {
    // Missing or not ours.
  }
}
