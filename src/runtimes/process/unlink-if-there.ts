import { unlink } from 'node:fs/promises';

/** Removes a file; a missing one counts as removed. One unlink: `rm(path, { force: true })` walks the path with lstat first. */
export async function unlinkIfThere(path: string): Promise<void> {
  await unlink(path).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== 'ENOENT') throw e;
  });
}
