import { unlink } from 'node:fs/promises';

/**
 * Removes a file; a missing one counts as removed. One unlink (`rm(path, { force: true })` walks the
 * path with lstat first), on libuv's pool: the folder it is in may be locked a while by another
 * process creating files there (the launcher), which must not hold up the event loop.
 */
export async function unlinkIfThere(path: string): Promise<void> {
  await unlink(path).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== 'ENOENT') throw e;
  });
}
