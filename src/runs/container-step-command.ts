import { extname } from 'node:path/posix';
import { NOTEBOOK_RUNNER } from '../runtimes/process/notebook-runner.ts';

/** sh -c script: $0 the runner's source, $1 the executed notebook, $2 the notebook, $3 the kernel (optional). */
const NOTEBOOK_IN_CONTAINER =
  'if python3 -c "import nbclient, nbformat" >/dev/null 2>&1; then exec python3 -c "$0" "$@"; fi; ' +
  'exec jupyter nbconvert --to notebook --execute ${3:+--ExecutePreprocessor.kernel_name=$3} --output "$1" "$2"';

export type ContainerStepCommand = { ok: true; argv: string[] } | { ok: false; reason: string };

/**
 * How a step file runs inside its environment image, by extension (Orchest's runner: no extension
 * and `.sh` with bash, which falls back to sh in images without it). Paths are container paths.
 * Pure: nothing is looked up; a missing interpreter shows as exit 127 in the step's log.
 */
export function containerStepCommand(file: string, opts: { notebookOut: string; kernel?: string }): ContainerStepCommand {
  switch (extname(file).toLowerCase()) {
    case '':
    case '.sh':
      return { ok: true, argv: ['sh', '-c', 'if command -v bash >/dev/null 2>&1; then exec bash "$0"; else exec sh "$0"; fi', file] };
    case '.py':
      return { ok: true, argv: ['python3', file] };
    case '.js':
    case '.mjs':
    case '.ts':
      return { ok: true, argv: ['node', file] };
    case '.r':
      return { ok: true, argv: ['Rscript', file] };
    case '.jl':
      return { ok: true, argv: ['julia', file] };
    case '.ipynb': {
      // NOTEBOOK_RUNNER (live cell output) where the image's python3 has nbclient, else jupyter nbconvert.
      const kernel = !opts.kernel || opts.kernel === 'python' ? ['python3'] : [];
      return { ok: true, argv: ['sh', '-c', NOTEBOOK_IN_CONTAINER, NOTEBOOK_RUNNER, opts.notebookOut, file, ...kernel] };
    }
    default:
      return { ok: false, reason: `files ending in "${extname(file)}" cannot be run (supported: .sh, .py, .js, .mjs, .ts, .R, .jl, .ipynb, no extension)` };
  }
}
