import { matchesGlob } from 'node:path';
import { BerthError } from '../errors.ts';

/** Apptainer's rule for instance names. */
export const INSTANCE_NAME = /^[a-zA-Z0-9._-]+$/;

/** Throws BERTH_E_INVALID_ARGUMENT naming NAME and the rule when `name` is not a valid instance name. */
export function checkInstanceName(name: string): string {
  if (INSTANCE_NAME.test(name) && name.length <= 128) return name;
  throw new BerthError('BERTH_E_INVALID_ARGUMENT', `"${name}" is not a valid instance name`, {
    problems: [{ path: 'NAME', message: 'must be 1-128 letters, digits, ".", "_" or "-"', fix: 'e.g. web-1 or db_main' }],
  });
}

/** Whether a pattern has glob wildcards (`*`, `?`, `[...]`); without them a pattern matches one exact name. */
export function isGlob(pattern: string): boolean {
  return /[*?[]/.test(pattern);
}

/** Apptainer's matching: globs with `*`, `?` and `[...]`; a pattern without wildcards must equal the name. */
export function matchesInstance(name: string, pattern: string): boolean {
  return isGlob(pattern) ? matchesGlob(name, pattern) : name === pattern;
}
