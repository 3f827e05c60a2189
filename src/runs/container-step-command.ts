import { extname } from 'node:path/posix';
import { kernelInstallHint, languageLabel, nbconvertArgs, NOTEBOOK_LANGUAGES, stepLanguage } from '../core/notebook-languages.ts';

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
      // The step's language picks the kernel, whatever the notebook names ("orchest-kernel-<uuid>").
      const language = stepLanguage(opts.kernel);
      if (!language) return { ok: false, reason: `the step's kernel "${opts.kernel}" is no language Berth knows (python, r, julia, javascript): set the step's kernel to one of them` };
      if (language === 'python') return { ok: true, argv: ['jupyter', 'nbconvert', ...nbconvertArgs('python3'), '--output', opts.notebookOut, file] };
      // Other kernels are named by their installers (ir, julia-1.10, …): the image's list says which.
      const script =
        're="$1"; label="$2"; hint="$3"; shift 3; ' +
        'k=$(jupyter kernelspec list 2>/dev/null | awk -v re="$re" \'NR > 1 && $1 ~ re { print $1; exit }\'); ' +
        'if [ -z "$k" ]; then echo "berth: no Jupyter kernel for $label in this image: $hint" >&2; exit 127; fi; ' +
        'exec jupyter nbconvert "$@" --ExecutePreprocessor.kernel_name="$k"';
      const args = nbconvertArgs('').filter((a) => !a.startsWith('--ExecutePreprocessor.kernel_name='));
      return { ok: true, argv: ['sh', '-c', script, 'sh', NOTEBOOK_LANGUAGES[language]!.namePattern, languageLabel(language), kernelInstallHint(language), ...args, '--output', opts.notebookOut, file] };
    }
    default:
      return { ok: false, reason: `files ending in "${extname(file)}" cannot be run (supported: .sh, .py, .js, .mjs, .ts, .R, .jl, .ipynb, no extension)` };
  }
}
