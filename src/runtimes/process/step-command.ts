import { accessSync, constants } from 'node:fs';
import { delimiter, extname, join } from 'node:path';

export type StepCommand = { ok: true; argv: string[] } | { ok: false; reason: string };

/**
 * How a step file runs on a host, by its extension: bash for `.sh` and no extension, python3,
 * node (this Node, so `.ts` runs with type stripping), Rscript, julia, and notebooks through
 * `jupyter nbconvert --execute` or papermill. The executed notebook is written to `notebookOut`
 * so a run never rewrites the project's files. Contract: pure apart from PATH lookups.
 */
export function stepCommand(file: string, opts: { path: string; nodePath: string; nodeImport?: string; notebookOut: string; kernel?: string; python?: string }): StepCommand {
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
      // Orchest notebooks name per-environment kernels ("orchest-kernel-<uuid>") that exist only
      // in Orchest; a Python step runs on the local python3 kernel instead.
      // A kernel of Berth's own (an environment's virtual environment, "berth-env") is used as named.
      const kernel = !opts.kernel || opts.kernel === 'python' ? 'python3' : opts.kernel.startsWith('berth-') ? opts.kernel : undefined;
      const nbconvert = which('jupyter-nbconvert', opts.path);
      if (nbconvert) {
        const kernelArg = kernel ? [`--ExecutePreprocessor.kernel_name=${kernel}`] : [];
        return { ok: true, argv: [nbconvert, '--to', 'notebook', '--execute', ...kernelArg, '--output', opts.notebookOut, file] };
      }
      const papermill = which('papermill', opts.path);
      if (papermill) return { ok: true, argv: [papermill, '--log-output', ...(kernel ? ['-k', kernel] : []), file, opts.notebookOut] };
      return {
        ok: false,
        reason:
          'this step is a notebook but neither jupyter nbconvert nor papermill is installed: ' +
          'install one (pip install nbconvert ipykernel, or apt-get install jupyter-nbconvert python3-ipykernel) or use a runtime whose environment has them',
      };
    }
    default:
      return { ok: false, reason: `files ending in "${ext}" cannot be run (supported: .sh, .py, .js, .mjs, .ts, .R, .jl, .ipynb, no extension)` };
  }
}

export function which(program: string, pathVar: string): string | null {
  for (const dir of pathVar.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, program);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return null;
}
