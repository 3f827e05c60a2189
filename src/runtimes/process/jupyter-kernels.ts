import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { NOTEBOOK_LANGUAGES } from '../../core/notebook-languages.ts';

/** An installed Jupyter kernel (a `kernels/<name>/kernel.json` in one of Jupyter's data folders). */
export interface KernelSpec {
  name: string;
  language: string;
  displayName: string;
  dir: string;
}

/**
 * Jupyter's data folders as jupyter_core orders them: JUPYTER_PATH, the user's (JUPYTER_DATA_DIR,
 * else XDG_DATA_HOME/jupyter or ~/.local/share/jupyter), the prefix of the Python that runs
 * nbconvert (a virtual environment's share/jupyter), then /usr/local/share/jupyter and /usr/share/jupyter.
 * `env` is the step's environment.
 */
export function jupyterDataDirs(env: Record<string, string | undefined>, nbconvert?: string | null): string[] {
  const dirs: string[] = [];
  for (const dir of (env.JUPYTER_PATH ?? '').split(delimiter)) if (dir) dirs.push(dir);
  const home = env.HOME || homedir();
  dirs.push(env.JUPYTER_DATA_DIR || join(env.XDG_DATA_HOME || join(home, '.local', 'share'), 'jupyter'));
  if (nbconvert) {
    try {
      dirs.push(join(dirname(dirname(realpathSync(nbconvert))), 'share', 'jupyter'));
    } catch {
      // a dangling link: no prefix to add
    }
  }
  dirs.push('/usr/local/share/jupyter', '/usr/share/jupyter');
  return [...new Set(dirs)];
}

/** Every installed kernel, the first of each name winning (Jupyter's precedence). */
export function findKernelSpecs(dataDirs: string[]): KernelSpec[] {
  const found = new Map<string, KernelSpec>();
  for (const dataDir of dataDirs) {
    const kernels = join(dataDir, 'kernels');
    if (!existsSync(kernels)) continue;
    let names: string[];
    try {
      names = readdirSync(kernels).sort();
    } catch {
      continue;
    }
    for (const name of names) {
      if (found.has(name)) continue;
      try {
        const spec = JSON.parse(readFileSync(join(kernels, name, 'kernel.json'), 'utf8')) as { language?: unknown; display_name?: unknown };
        const language = typeof spec.language === 'string' ? spec.language.toLowerCase() : '';
        found.set(name, { name, language, displayName: typeof spec.display_name === 'string' ? spec.display_name : name, dir: join(kernels, name) });
      } catch {
        // not a kernel folder (no or broken kernel.json): Jupyter skips it too
      }
    }
  }
  return [...found.values()];
}

/**
 * The installed kernel for a language: its usual name first (python3, ir, javascript …), else any
 * kernel whose kernel.json declares the language. Null when there is none.
 */
export function kernelForLanguage(language: string, specs: KernelSpec[]): KernelSpec | null {
  const known = NOTEBOOK_LANGUAGES[language];
  if (!known) return specs.find((s) => s.language === language) ?? null;
  for (const name of known.preferred) {
    const spec = specs.find((s) => s.name === name);
    if (spec) return spec;
  }
  return specs.find((s) => known.languages.includes(s.language)) ?? null;
}
