import { extname } from 'node:path/posix';
import { kernelInstallHint, languageLabel, nbconvertArgs, NOTEBOOK_LANGUAGES, stepLanguage } from '../core/notebook-languages.ts';
import { NOTEBOOK_RUNNER } from '../runtimes/process/notebook-runner.ts';

/**
 * How a notebook runs in a container: the kernel for the step's language (python3, or the first of
 * `jupyter kernelspec list` matching the pattern; none: exit 127 naming the language and the fix),
 * then the live runner (NOTEBOOK_RUNNER: cell output in the log as it comes, `[n]` per line, as on
 * the process runtime) on the Python of the image's jupyter-nbconvert (its `#!` line; else python3)
 * when that Python has nbclient, else `jupyter nbconvert` with Berth's streaming preprocessor.
 * Arguments: OUT NOTEBOOK RUNNER PATTERN LABEL HINT NBCONVERT_ARGS…
 */
const CONTAINER_NOTEBOOK_SCRIPT = [
  'out="$1"; nb="$2"; runner="$3"; re="$4"; label="$5"; hint="$6"; shift 6',
  'k=python3',
  'if [ -n "$re" ]; then',
  '  k=$(jupyter kernelspec list 2>/dev/null | awk -v re="$re" \'NR > 1 && $1 ~ re { print $1; exit }\')',
  '  if [ -z "$k" ]; then echo "berth: no Jupyter kernel for $label in this image: $hint" >&2; exit 127; fi',
  'fi',
  'py=python3',
  'nbc=$(command -v jupyter-nbconvert 2>/dev/null) && read -r first < "$nbc" && case "$first" in',
  '  "#!/usr/bin/env "*) py=${first##* } ;;',
  '  "#!/"*python*) py=${first#??}; py=${py%% *} ;;',
  'esac',
  'if "$py" -c "import nbclient, nbformat" 2>/dev/null; then exec "$py" -c "$runner" "$out" "$nb" "$k"; fi',
  'exec jupyter nbconvert "$@" --ExecutePreprocessor.kernel_name="$k" --output "$out" "$nb"',
].join('\n');

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
      // Python: the kernel of nbconvert's own Python ("python3"); others are named by their installers (ir, julia-1.10, …): the image's list says which.
      const pattern = language === 'python' ? '' : NOTEBOOK_LANGUAGES[language]!.namePattern;
      return { ok: true, argv: ['sh', '-c', CONTAINER_NOTEBOOK_SCRIPT, 'sh', opts.notebookOut, file, NOTEBOOK_RUNNER, pattern, languageLabel(language), kernelInstallHint(language), ...nbconvertArgs('').filter((a) => !a.startsWith('--ExecutePreprocessor.kernel_name='))] };
    }
    default:
      return { ok: false, reason: `files ending in "${extname(file)}" cannot be run (supported: .sh, .py, .js, .mjs, .ts, .R, .jl, .ipynb, no extension)` };
  }
}
