import { randomBytes } from 'node:crypto';
import { constants, type Dirent } from 'node:fs';
import { lstat, mkdir, open, readdir, rename, rm, rmdir, unlink } from 'node:fs/promises';
import { basename, dirname, join, relative, sep } from 'node:path';
import { BerthError } from '../errors.ts';
import { insideRoot } from './inside-root.ts';

/** The largest file the project file API reads or writes (an upload above it is 413). */
export const MAX_PROJECT_FILE_BYTES = 16 * 1024 * 1024;
/** At most this many entries are listed (the answer says when it stopped). */
export const MAX_LISTED_FILES = 5000;
const SKIP_DIRS = new Set(['.git', 'node_modules', '.venv', '__pycache__', '.ipynb_checkpoints']);

export interface ProjectFileEntry {
  path: string;
  type: 'file' | 'folder' | 'link';
  size: number;
}

/**
 * A project's files for the editor's file tree: list, read, write (whole, never half-written),
 * rename, delete. Every path is relative to the project folder, has no "." or ".." segment, and
 * stays inside the folder after every symlink is followed (insideRoot); a symlink itself is never
 * written through, and renaming or deleting one acts on the link, not on where it points.
 */
export class ProjectFiles {
  readonly #root: string;

  constructor(root: string) {
    this.#root = root;
  }

  /** Files and folders under the project folder (not following symlinks; .git, node_modules, .venv skipped). */
  async list(): Promise<{ files: ProjectFileEntry[]; truncated: boolean }> {
    const root = insideRoot(this.#root, '.', 'path');
    const files: ProjectFileEntry[] = [];
    const queue = [root];
    while (queue.length > 0 && files.length < MAX_LISTED_FILES) {
      const dir = queue.shift()!;
      let entries: Dirent[];
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch {
        continue; // A folder that cannot be read (or is gone) lists nothing.
      }
      entries.sort((a, b) => a.name.localeCompare(b.name));
      for (const e of entries) {
        if (files.length >= MAX_LISTED_FILES) break;
        const full = `${dir}${sep}${e.name}`;
        const path = relative(root, full).split(sep).join('/');
        if (e.isDirectory()) {
          if (SKIP_DIRS.has(e.name)) continue;
          files.push({ path, type: 'folder', size: 0 });
          queue.push(full);
        } else if (e.isSymbolicLink()) files.push({ path, type: 'link', size: 0 });
        else if (e.isFile()) files.push({ path, type: 'file', size: (await lstat(full).catch(() => ({ size: 0 }))).size });
      }
    }
    files.sort((a, b) => a.path.localeCompare(b.path));
    return { files, truncated: queue.length > 0 || files.length >= MAX_LISTED_FILES };
  }

  /** The bytes of a file (at most MAX_PROJECT_FILE_BYTES). */
  async read(rel: string): Promise<Buffer> {
    const file = insideRoot(this.#root, checkPath(rel, 'path'), 'path');
    const st = await lstat(file).catch(() => undefined);
    if (!st) throw notFound(rel);
    if (!st.isFile()) throw invalid('path', `${rel} is not a file`, 'give the path of a file (folders are listed by GET …/files)');
    if (st.size > MAX_PROJECT_FILE_BYTES) throw tooLarge(rel, st.size);
    const fh = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      return await fh.readFile();
    } finally {
      await fh.close();
    }
  }

  /**
   * Writes `content` to `rel` (creating its folders): into a new temporary file beside it, then
   * renamed over it, so the file is either the old one or the whole new one. With `overwrite` false an
   * existing file is a conflict (409).
   */
  async write(rel: string, content: Buffer, opts: { overwrite: boolean }): Promise<{ created: boolean; entry: ProjectFileEntry }> {
    const path = checkPath(rel, 'path');
    if (path.endsWith('.orchest')) throw invalid('path', `${path} is a pipeline file`, 'write pipelines with PUT /api/projects/{project}/pipelines/{path} (validated and written as Orchest 1.2.3)');
    if (content.length > MAX_PROJECT_FILE_BYTES) throw tooLarge(path, content.length);
    const file = insideRoot(this.#root, path, 'path');
    await mkdir(dirname(file), { recursive: true });
    // The folders made (or found) must still be the checked ones.
    if (insideRoot(this.#root, path, 'path') !== file) throw invalid('path', `${path} is outside the project`, 'give a relative path inside the project');
    const existing = await lstat(file).catch(() => undefined);
    if (existing && !existing.isFile()) throw invalid('path', `${path} is a ${existing.isDirectory() ? 'folder' : 'special file'}`, 'give the path of a file');
    if (existing && !opts.overwrite) throw conflict('path', `${path} already exists`, 'pick another name, or send overwrite=1 to replace it');
    const temp = join(dirname(file), `.${basename(file)}.berth-${randomBytes(6).toString('hex')}.tmp`);
    const fh = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
    try {
      await fh.writeFile(content);
      await fh.close();
      await rename(temp, file);
    } catch (e) {
      await fh.close().catch(() => undefined);
      await unlink(temp).catch(() => undefined);
      throw e;
    }
    return { created: !existing, entry: { path, type: 'file', size: content.length } };
  }

  /** Renames a file, folder or link (the entry itself); the target must not exist. */
  async move(from: string, to: string): Promise<ProjectFileEntry> {
    const src = this.#entry(from, 'from');
    const dst = this.#entry(to, 'to');
    const st = await lstat(src).catch(() => undefined);
    if (!st) throw notFound(from);
    if (await lstat(dst).catch(() => undefined)) throw conflict('to', `${to} already exists`, 'pick another name, or delete it first');
    if (st.isDirectory() && (dst === src || dst.startsWith(`${src}${sep}`))) throw invalid('to', `${to} is inside ${from}`, 'move the folder somewhere outside itself');
    await mkdir(dirname(dst), { recursive: true });
    await rename(src, dst);
    return { path: checkPath(to, 'to'), type: st.isDirectory() ? 'folder' : st.isSymbolicLink() ? 'link' : 'file', size: st.isFile() ? st.size : 0 };
  }

  /** Deletes a file or link (the link, not its target), or a folder: empty, or with `recursive` everything in it. */
  async remove(rel: string, opts: { recursive: boolean }): Promise<ProjectFileEntry> {
    const entry = this.#entry(rel, 'path');
    const st = await lstat(entry).catch(() => undefined);
    if (!st) throw notFound(rel);
    const path = checkPath(rel, 'path');
    if (st.isDirectory()) {
      if (opts.recursive) await rm(entry, { recursive: true });
      else {
        try {
          await rmdir(entry);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === 'ENOTEMPTY' || (e as NodeJS.ErrnoException).code === 'EEXIST') throw conflict('path', `folder ${path} is not empty`, 'delete its files first, or send recursive=1 to delete the folder with everything in it');
          throw e;
        }
      }
      return { path, type: 'folder', size: 0 };
    }
    await unlink(entry);
    return { path, type: st.isSymbolicLink() ? 'link' : 'file', size: st.isFile() ? st.size : 0 };
  }

  /** The entry `rel` names itself (a symlink is not followed): its folder resolved inside the project, then its name. */
  #entry(rel: string, field: string): string {
    const path = checkPath(rel, field);
    const parent = insideRoot(this.#root, dirname(path), field);
    return join(parent, basename(path));
  }
}

/** A relative path with "/" separators and no empty, "." or ".." segment (the project folder itself is not a file). */
export function checkPath(rel: string, field: string): string {
  const segments = rel.split('/');
  if (rel === '' || rel.startsWith('/') || rel.includes('\0') || rel.includes('\\') || segments.some((s) => s === '' || s === '.' || s === '..')) {
    throw new BerthError('BERTH_E_INVALID_ARGUMENT', `${field} "${rel.replace(/\0/g, '\\u0000')}" is not a path inside the project`, {
      problems: [{ path: field, message: 'must be relative, with "/" between names and no "", "." or ".." segment', fix: 'give a path like "data/input.csv"' }],
    });
  }
  if (rel.length > 1024) throw invalid(field, `${field} is longer than 1024 characters`, 'use a shorter path');
  return rel;
}

function invalid(path: string, message: string, fix: string): BerthError {
  return new BerthError('BERTH_E_INVALID_ARGUMENT', message, { problems: [{ path, message, fix }] });
}

function conflict(path: string, message: string, fix: string): BerthError {
  return new BerthError('BERTH_E_CONFLICT', message, { problems: [{ path, message, fix }] });
}

function notFound(rel: string): BerthError {
  return new BerthError('BERTH_E_NOT_FOUND', `no file ${rel} in the project`, { problems: [{ path: 'path', message: 'does not exist', fix: 'see GET /api/projects/{project}/files for the files' }] });
}

function tooLarge(rel: string, size: number): BerthError {
  return new BerthError('BERTH_E_BODY_TOO_LARGE', `${rel} is ${size} bytes; project files are at most ${MAX_PROJECT_FILE_BYTES} bytes (16 MiB) here`, {
    problems: [{ path: 'body', message: `larger than ${MAX_PROJECT_FILE_BYTES} bytes`, fix: 'put large data outside the project (e.g. /data) and read it from the step' }],
  });
}
