import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, realpathSync, type Stats } from 'node:fs';
import { isAbsolute, join, normalize, relative, sep } from 'node:path';

/** At most this many files are hashed for one referenced folder (more: their names and sizes only). */
const MAX_FOLDER_FILES = 2000;
const MAX_INPUTS = 64;

/**
 * The project files a setup script reads, by content: every word of the script that names a file
 * or folder of the project (relative to the project folder, where Orchest ran the script) —
 * `pip install -r requirements.txt`, `conda env update -f environment.yml`, `Rscript install.R`,
 * `R CMD INSTALL mypkg`. Returns relative path → sha256 of the content (a folder: of its files),
 * sorted; part of an environment's cache key, so editing any of them rebuilds the environment.
 * `.` (the whole project) is not counted: every edit of the project would rebuild it. Paths that
 * leave the project (`..`, absolute, links out) are ignored.
 */
export function setupScriptInputs(projectDir: string, script: string | null): Record<string, string> {
  if (script === null) return {};
  let root: string;
  try {
    root = realpathSync(projectDir);
  } catch {
    return {};
  }
  const found = new Map<string, string>();
  for (const raw of script.split(/[\s;|&()<>"'`=,]+/)) {
    if (found.size >= MAX_INPUTS) break;
    const word = raw.replace(/^-r(?=\S)/, '').replace(/^file:/, '');
    if (!word || word.startsWith('-') || word.startsWith('$') || isAbsolute(word) || word.includes('*')) continue;
    const rel = normalize(word).replace(/[/\\]+$/, '');
    if (rel === '.' || rel === '' || rel.startsWith('..') || found.has(rel)) continue;
    const digest = contentHash(root, rel);
    if (digest !== null) found.set(rel, digest);
  }
  return Object.fromEntries([...found].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** sha256 of a project file, or of a folder's files (names and contents); null when it is not in the project. */
function contentHash(root: string, rel: string): string | null {
  let real: string;
  let stat: Stats;
  try {
    real = realpathSync(join(root, rel));
    stat = lstatSync(real);
  } catch {
    return null;
  }
  const inside = relative(root, real);
  if (inside === '' || inside.startsWith('..') || isAbsolute(inside)) return null;
  const hash = createHash('sha256');
  if (stat.isFile()) return hash.update(readFileSync(real)).digest('hex');
  if (!stat.isDirectory()) return null;
  const files = listFiles(real);
  hash.update(`folder ${files.length}\n`);
  for (const [i, file] of files.entries()) {
    hash.update(`${file.split(sep).join('/')}\n`);
    try {
      hash.update(i < MAX_FOLDER_FILES ? readFileSync(join(real, file)) : String(lstatSync(join(real, file)).size));
    } catch {
      hash.update('unreadable');
    }
  }
  return hash.digest('hex');
}

/** Regular files under a folder (relative, sorted), not following links; `.git` left out. */
function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (at: string): void => {
    let entries;
    try {
      entries = readdirSync(join(dir, at), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.name === '.git') continue;
      const rel = at ? join(at, e.name) : e.name;
      if (e.isDirectory()) walk(rel);
      else if (e.isFile()) out.push(rel);
    }
  };
  walk('');
  return out.sort();
}
