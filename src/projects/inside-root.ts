import { existsSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { BerthError } from '../errors.ts';

/**
 * Resolves `rel` under `root` and proves it stays there, following symlinks of whatever part of
 * the path exists. Throws BERTH_E_INVALID_ARGUMENT naming `field` otherwise.
 */
export function insideRoot(root: string, rel: string, field: string): string {
  const realRoot = realpathSync(root);
  const target = resolve(realRoot, rel);
  let existing = target;
  while (!existsSync(existing)) existing = dirname(existing);
  const real = resolve(realpathSync(existing), relative(existing, target));
  const back = relative(realRoot, real);
  if (isAbsolute(rel) || back.startsWith('..') || isAbsolute(back) || rel.includes('\0')) {
    throw new BerthError('BERTH_E_INVALID_ARGUMENT', `${field} "${rel}" is outside the project`, {
      problems: [{ path: field, message: 'resolves outside the project folder', fix: 'give a relative path inside the project, e.g. "pipelines/main.orchest"' }],
    });
  }
  return real;
}
