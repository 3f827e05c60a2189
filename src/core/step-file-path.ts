import { posix } from 'node:path';

/** Extensions a step file may have (compared case-insensitively, so `.R` and `.r` both run with R); '' = no extension, run with bash. */
export const STEP_FILE_EXTENSIONS = ['', '.sh', '.py', '.js', '.mjs', '.ts', '.r', '.ipynb', '.jl'] as const;

const SUPPORTED = 'a .sh, .py, .js, .mjs, .ts, .R, .ipynb or .jl file, or a file without an extension (run with bash)';

/**
 * What is wrong with a step's `file_path`, or null. The path is relative to the pipeline file's
 * folder (`pipelineDir`, relative to the project root, "" for the root) and must stay inside the
 * project once `..` is resolved.
 */
export function checkStepFilePath(filePath: string, pipelineDir: string): { message: string; fix: string } | null {
  if (filePath.trim() === '') {
    return { message: 'is empty', fix: 'set it to the step file, relative to the pipeline file, e.g. "load.py"' };
  }
  if (filePath.includes('\0')) return { message: 'contains a NUL character', fix: 'remove it' };
  if (filePath.startsWith('/') || filePath.startsWith('\\') || /^[A-Za-z]:[\\/]/.test(filePath)) {
    return {
      message: `"${filePath}" is an absolute path`,
      fix: 'use a path relative to the pipeline file, inside the project, e.g. "scripts/load.py"',
    };
  }
  const fromRoot = posix.normalize(posix.join(pipelineDir, filePath));
  if (fromRoot === '..' || fromRoot.startsWith('../')) {
    return {
      message: `"${filePath}" points outside the project`,
      fix: 'move the file into the project folder and use a path relative to the pipeline file',
    };
  }
  if (fromRoot === '.' || fromRoot === './' || filePath.endsWith('/')) {
    return { message: `"${filePath}" names a folder, not a file`, fix: 'point it at the step file, e.g. "scripts/load.py"' };
  }
  const ext = posix.extname(fromRoot).toLowerCase();
  if (!(STEP_FILE_EXTENSIONS as readonly string[]).includes(ext)) {
    return { message: `files ending in "${posix.extname(fromRoot)}" cannot be run as a step`, fix: `use ${SUPPORTED}` };
  }
  return null;
}
