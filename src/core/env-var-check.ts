import { BerthError, type Problem } from '../errors.ts';
import { jsonPath } from './json-path.ts';

/** The variable names Berth accepts from users (the portable POSIX form): a letter or "_", then letters, digits and "_". */
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const ENV_NAME_FIX = 'use letters, digits and "_", not starting with a digit (e.g. DB_PASSWORD)';
const NUL_FIX = 'remove the NUL character (\\u0000): a process environment cannot hold it';

/**
 * The problems of a map of environment variables given at the edge (API body, CLI flag, env-var
 * route): names must match ENV_NAME, values must be strings without NUL. Paths are `<path>.<NAME>`.
 */
export function envVarProblems(vars: Record<string, unknown>, ...path: Array<string | number>): Problem[] {
  const problems: Problem[] = [];
  for (const [name, value] of Object.entries(vars)) {
    if (!ENV_NAME.test(name)) problems.push({ path: jsonPath(...path, name), message: `"${name.replace(/\0/g, '\\u0000')}" is not a valid variable name`, fix: ENV_NAME_FIX });
    if (typeof value === 'string' && value.includes('\0')) problems.push({ path: jsonPath(...path, name), message: 'the value contains a NUL character', fix: NUL_FIX });
  }
  return problems;
}

/** Throws BERTH_E_INVALID_ARGUMENT (400) naming each bad variable under `path`. */
export function assertEnvVars(vars: Record<string, unknown> | undefined, ...path: Array<string | number>): void {
  const problems = envVarProblems(vars ?? {}, ...path);
  if (problems.length === 0) return;
  throw new BerthError('BERTH_E_INVALID_ARGUMENT', `invalid environment variables: ${problems.map((p) => `${p.path} ${p.message}`).join('; ')}`, { problems });
}

/**
 * Whether a variable can be put in a process environment at all: a non-empty name without "=" or
 * NUL, a value without NUL. Looser than ENV_NAME (Orchest's files allow "-" in names); what is
 * checked again just before a workload starts, so a variable stored earlier never breaks a start.
 */
export function isLaunchableEnvVar(name: string, value: unknown): boolean {
  return name !== '' && !/[=\0]/.test(name) && typeof value === 'string' && !value.includes('\0');
}
