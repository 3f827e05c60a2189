import { copyFileSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import ignore, { type Ignore } from 'ignore';

export interface SnapshotResult {
  files: number;
  bytes: number;
  /** Paths (relative) left out because a .gitignore matched them. */
  ignored: number;
  /** Symlinks that point outside the project: never followed. */
  skippedLinks: string[];
}

/**
 * Copies the project folder `src` to `dest` as it is now, leaving out `.git/` and whatever the
 * project's `.gitignore` files (root and nested, git's rules) match. Symlinks are copied as the
 * file or folder they point to when that stays inside the project, and skipped otherwise, so
 * the snapshot never holds or reaches anything outside the project.
 */
export function snapshotProject(src: string, dest: string): SnapshotResult {
  const root = realpathSync(src);
  const result: SnapshotResult = { files: 0, bytes: 0, ignored: 0, skippedLinks: [] };
  mkdirSync(dest, { recursive: true });
  walk(root, '', [], dest, result, root);
  return result;
}

interface Rules {
  base: string;
  ig: Ignore;
}

function walk(dir: string, rel: string, rules: Rules[], dest: string, result: SnapshotResult, root: string): void {
  const here = [...rules];
  const gitignore = join(dir, '.gitignore');
  if (existsSync(gitignore)) here.push({ base: rel, ig: ignore().add(readFileSync(gitignore, 'utf8')) });
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.name === '.git') continue;
    const childRel = rel ? `${rel}/${entry.name}` : entry.name;
    const abs = join(dir, entry.name);
    let stat = lstatSync(abs);
    let real = abs;
    if (stat.isSymbolicLink()) {
      try {
        real = realpathSync(abs);
      } catch {
        result.skippedLinks.push(childRel);
        continue;
      }
      const inside = relative(root, real);
      if (inside.startsWith('..') || isAbsolute(inside)) {
        result.skippedLinks.push(childRel);
        continue;
      }
      stat = statSync(real);
    }
    const isDir = stat.isDirectory();
    if (isIgnored(here, childRel, isDir)) {
      result.ignored++;
      continue;
    }
    const target = join(dest, ...childRel.split('/'));
    if (isDir) {
      mkdirSync(target, { recursive: true });
      walk(real, childRel, here, dest, result, root);
    } else if (stat.isFile()) {
      copyFileSync(real, target);
      result.files++;
      result.bytes += stat.size;
    }
  }
}

function isIgnored(rules: Rules[], rel: string, isDir: boolean): boolean {
  for (const { base, ig } of rules) {
    const local = base ? rel.slice(base.length + 1) : rel;
    if (local && ig.ignores(isDir ? `${local}/` : local)) return true;
  }
  return false;
}

