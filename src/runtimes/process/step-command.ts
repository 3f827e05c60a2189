import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { delimiter, extname, join } from 'node:path';
import { kernelInstallHint, languageLabel, stepLanguage } from '../../core/notebook-languages.ts';
import { findKernelSpecs, jupyterDataDirs, kernelForLanguage } from './jupyter-kernels.ts';
import { NOTEBOOK_RUNNER } from './notebook-runner.ts';

export type StepCommand = { ok: true; argv: string[] } | { ok: false; reason: string };

/**
 * How a step file runs on a host, by its extension: bash for `.sh` and no extension, python3,
 * node (this Node, so `.ts` runs with type stripping), Rscript, julia, and notebooks through
 * NOTEBOOK_RUNNER on the Python that jupyter nbconvert runs with (nbclient, each cell's output live in
 * the log), or papermill. The executed notebook is written to `notebookOut` so a run never rewrites
 * the project's files. A notebook runs on the installed Jupyter kernel of its step's language
 * (`kernel`: python, r, julia, javascript), whatever kernel name the notebook file names (Orchest's
 * "orchest-kernel-<uuid>" exist only in Orchest). Contract: pure apart from PATH lookups, the
 * script's `#!` line and Jupyter's kernel folders (found from `env`, the step's environment).
 */
export function stepCommand(file: string, opts: { path: string; nodePath: string; nodeImport?: string; notebookOut: string; kernel?: string; env?: Record<string, string | undefined>; python?: string }): StepCommand {
  const ext = extname(file).toLowerCase();
  const need = (program: string, hint: string, argv: (exe: string) => string[]): StepCommand => {
    const exe = which(program, opts.path);
    return exe ? { ok: true, argv: argv(exe) } : { ok: false, reason: `${program} is not installed (not found on PATH): ${hint}` };
  };
  switch (ext) {
    case '':
    case '.sh':
      return need('bash', 'install bash', (exe) => [exe, file]);
    case '.py':
      // python: the step's interpreter (its environment's, or BERTH_PYTHON); else python3 on PATH.
      if (opts.python) return { ok: true, argv: [opts.python, file] };
      return need('python3', 'install Python 3', (exe) => [exe, file]);
    case '.js':
    case '.mjs':
    case '.ts':
      // nodeImport: a module preloaded with --import (the SDK hook that resolves `berth`).
      return { ok: true, argv: opts.nodeImport ? [opts.nodePath, '--import', opts.nodeImport, file] : [opts.nodePath, file] };
    case '.r':
      return need('Rscript', 'install R (e.g. apt-get install r-base-core)', (exe) => [exe, file]);
    case '.jl':
      return need('julia', 'install Julia', (exe) => [exe, file]);
    case '.ipynb': {
      const nbconvert = which('jupyter-nbconvert', opts.path);
      const papermill = nbconvert ? null : which('papermill', opts.path);
      if (!nbconvert && !papermill) {
        return {
          ok: false,
          reason:
            'this step is a notebook but neither jupyter nbconvert nor papermill is installed: ' +
            'install one (pip install nbconvert ipykernel, or apt-get install jupyter-nbconvert python3-ipykernel) or use a runtime whose environment has them',
        };
      }
      const kernel = notebookKernel(opts.kernel, { ...opts.env, PATH: opts.path }, nbconvert ?? papermill);
      if (!kernel.ok) return kernel;
      if (nbconvert) {
        // nbconvert's own Python runs NOTEBOOK_RUNNER (nbclient, as nbconvert does, with live output).
        return { ok: true, argv: [...pythonOf(nbconvert, opts.path), '-c', NOTEBOOK_RUNNER, opts.notebookOut, file, kernel.name] };
      }
      return { ok: true, argv: [papermill!, '--log-output', '-k', kernel.name, file, opts.notebookOut] };
    }
    default:
      return { ok: false, reason: `files ending in "${ext}" cannot be run (supported: .sh, .py, .js, .mjs, .ts, .R, .jl, .ipynb, no extension)` };
  }
}

/**
 * The installed Jupyter kernel for a step's language. Python falls back to "python3", the kernel
 * jupyter_client provides from nbconvert's own Python even without a kernel.json.
 */
export function notebookKernel(stepKernel: string | undefined, env: Record<string, string | undefined>, jupyter: string | null): { ok: true; name: string; language: string } | { ok: false; reason: string } {
  // A kernel of Berth's own (an environment's virtual environment: "berth-…") is used as named.
  if (stepKernel?.startsWith('berth-')) return { ok: true, name: stepKernel, language: 'python' };
  const language = stepLanguage(stepKernel);
  if (!language) return { ok: false, reason: `the step's kernel "${stepKernel}" is no language Berth knows (python, r, julia, javascript): set the step's kernel to one of them` };
  const spec = kernelForLanguage(language, findKernelSpecs(jupyterDataDirs(env, jupyter)));
  if (spec) return { ok: true, name: spec.name, language };
  if (language === 'python') return { ok: true, name: 'python3', language };
  return { ok: false, reason: `this notebook's language is ${languageLabel(language)}, and no Jupyter kernel for ${languageLabel(language)} is installed: ${kernelInstallHint(language)}` };
}

/** The interpreter a Python script runs with, from its `#!` line (`#!/usr/bin/python3`, `#!/usr/bin/env python3`); else python3 on PATH. */
function pythonOf(script: string, pathVar: string): string[] {
  let line = '';
  try {
    line = readFileSync(script, 'latin1').slice(0, 256).split('\n', 1)[0] ?? '';
  } catch {
    // unreadable: fall back to python3
  }
  const words = line.startsWith('#!') ? line.slice(2).trim().split(/\s+/) : [];
  if (words[0] && /python[\d.]*$/.test(words[0])) return [words[0]];
  if (words[0]?.endsWith('/env') && words[1] && /^python[\d.]*$/.test(words[1])) return [which(words[1], pathVar) ?? words[1]];
  return [which('python3', pathVar) ?? 'python3'];
}

/** Answers of which, kept briefly: every step of a run asks the same (bash on the same PATH). */
const found = new Map<string, { path: string | null; at: number }>();
const FOUND_MS = 2_000;

export function which(program: string, pathVar: string): string | null {
  const key = `${program}\0${pathVar}`;
  const known = found.get(key);
  const now = performance.now();
  if (known && now - known.at < FOUND_MS) return known.path;
  const path = search(program, pathVar);
  if (found.size > 64) found.clear();
  found.set(key, { path, at: now });
  return path;
}

function search(program: string, pathVar: string): string | null {
  for (const dir of pathVar.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, program);
    // Missing is the common case on a long PATH: found without an exception, access asked only of what exists.
    if (statSync(candidate, { throwIfNoEntry: false }) === undefined) continue;
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not executable here
    }
  }
  return null;
}
