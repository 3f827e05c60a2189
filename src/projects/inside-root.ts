import { randomBytes } from 'node:crypto';
import { closeSync, constants, fchmodSync, fchownSync, lstatSync, mkdirSync, openSync, readlinkSync, realpathSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, isAbsolute, relative, resolve } from 'node:path';
import { BerthError } from '../errors.ts';

const MAX_LINKS = 40;

/**
 * Resolves `rel` under `root` and proves it stays there, following every symlink on the way —
 * also dangling ones (a link to a file that does not exist yet is followed to where it points, so
 * a write can never create a file outside the project through it). Throws BERTH_E_INVALID_ARGUMENT
 * naming `field` otherwise. The answer contains no symlink (as of now).
 */
export function insideRoot(root: string, rel: string, field: string): string {
  if (isAbsolute(rel) || rel.includes('\0')) throw outside(field, rel);
  const realRoot = existingRoot(root);
  const real = resolveLinks(resolve(realRoot, rel), field, rel, 0);
  const back = relative(realRoot, real);
  if (back.startsWith('..') || isAbsolute(back)) throw outside(field, rel);
  return real;
}

/**
 * Writes `content` to `rel` under `root` (creating its folders): the final path is resolved and
 * checked by insideRoot, a link planted in between is refused rather than written through, and the
 * content goes to a new file beside it renamed over it (keeping its mode), so it is never half-written.
 */
export function writeInsideRoot(root: string, rel: string, field: string, content: string): string {
  const file = insideRoot(root, rel, field);
  mkdirSync(dirname(file), { recursive: true });
  // The folders just made (or found) must still be the checked ones.
  if (insideRoot(root, relative(existingRoot(root), file), field) !== file) throw outside(field, rel);
  // Whole or not at all: written beside it, then renamed over it (a reader or a crash never sees half a file).
  const existing = lstatSync(file, { throwIfNoEntry: false });
  if (existing?.isSymbolicLink()) throw outside(field, rel);
  const temp = `${dirname(file)}/.${basename(file)}.berth-${randomBytes(6).toString('hex')}.tmp`;
  const fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
  try {
    try {
      // The replaced file keeps its mode (and, where the server may, its owner).
      if (existing) {
        fchmodSync(fd, existing.mode & 0o7777);
        try {
          fchownSync(fd, existing.uid, existing.gid);
        } catch {
          // Not root: the file becomes the server's, as a new file would.
        }
      }
      writeSync(fd, content);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, file);
  } catch (e) {
    rmSync(temp, { force: true });
    throw e;
  }
  return file;
}

/** The real path of the project folder, or a conflict saying it is gone (never an internal error). */
function existingRoot(root: string): string {
  try {
    return realpathSync(root);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw e;
    throw new BerthError('BERTH_E_CONFLICT', `the project folder ${root} no longer exists`, {
      problems: [{ path: 'project.path', message: 'missing', fix: 'restore the folder, or point the project at its new place (PATCH /api/projects/{project} {"path": …})' }],
    });
  }
}

/** `target` with every symlink resolved, including dangling ones and the parts below them that do not exist. */
function resolveLinks(target: string, field: string, rel: string, depth: number): string {
  if (depth > MAX_LINKS) throw outside(field, rel, 'is a loop of symlinks');
  let existing = target;
  while (lstatSync(existing, { throwIfNoEntry: false }) === undefined) existing = dirname(existing);
  const rest = relative(existing, target);
  let base: string;
  try {
    base = realpathSync(existing);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') throw outside(field, rel, 'is a loop of symlinks');
    if (code !== 'ENOENT' || !lstatSync(existing).isSymbolicLink()) throw e;
    // A dangling symlink (its folder resolves): where it points is where a write would land.
    base = resolveLinks(resolve(realpathSync(dirname(existing)), readlinkSync(existing)), field, rel, depth + 1);
  }
  return resolve(base, rest);
}

function outside(field: string, rel: string, why = 'resolves outside the project folder'): BerthError {
  return new BerthError('BERTH_E_INVALID_ARGUMENT', `${field} "${rel.replace(/\0/g, '\\u0000')}" is outside the project`, {
    problems: [{ path: field, message: why, fix: 'give a relative path inside the project, e.g. "pipelines/main.orchest" (symlinks must stay inside it too)' }],
  });
}
