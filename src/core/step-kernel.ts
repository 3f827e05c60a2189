import { posix } from 'node:path';

/**
 * The Jupyter kernel a step gets when its file does not say: R for `.R`, Julia for `.jl`, JavaScript
 * for `.js`/`.mjs`/`.ts`, Python otherwise (Orchest's default).
 */
export function defaultStepKernel(filePath: string): { name: string; display_name: string } {
  switch (posix.extname(filePath).toLowerCase()) {
    case '.r':
      return { name: 'r', display_name: 'R' };
    case '.jl':
      return { name: 'julia', display_name: 'Julia' };
    case '.js':
    case '.mjs':
    case '.ts':
      return { name: 'javascript', display_name: 'JavaScript' };
    default:
      return { name: 'python', display_name: 'Python 3' };
  }
}
