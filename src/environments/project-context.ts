import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import ignore from 'ignore';

/** Never part of a build context: version control and Orchest's own folder (Orchest hid it too). */
const ALWAYS_LEFT_OUT = ['.git/', '.orchest/'];

/**
 * The project's files an environment build sees (relative paths, `/`-separated, sorted), as Orchest's
 * snapshot of the project: everything but what the project's .gitignore and .dockerignore (at its
 * root) leave out, .git and .orchest. Symbolic links are listed as links (never followed).
 */
export function projectContextFiles(projectDir: string): string[] {
  const rules = ignore().add(ALWAYS_LEFT_OUT);
  for (const name of ['.gitignore', '.dockerignore']) {
    const file = join(projectDir, name);
    if (existsSync(file)) rules.add(readFileSync(file, 'utf8'));
  }
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const abs = join(dir, name);
      const rel = relative(projectDir, abs).split(sep).join('/');
      const stat = lstatSync(abs);
      if (stat.isDirectory()) {
        if (rules.ignores(`${rel}/`)) continue;
        walk(abs);
      } else if ((stat.isFile() || stat.isSymbolicLink()) && !rules.ignores(rel)) {
        out.push(rel);
      }
    }
  };
  walk(projectDir);
  return out;
}
