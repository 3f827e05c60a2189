import { ENV_NAME, ENV_NAME_FIX } from '../core/env-var-check.ts';
import { usageError } from './parse-flags.ts';

/**
 * `--env NAME=VALUE` flags (repeatable; a later one wins) as a map: each name must match
 * ^[A-Za-z_][A-Za-z0-9_]*$ and no value may hold a NUL, or the command stops with a usage error
 * naming the flag.
 */
export function envFlags(command: string, items: readonly string[], flag = '--env'): Record<string, string> {
  const env: Record<string, string> = {};
  for (const item of items) {
    const eq = item.indexOf('=');
    const name = item.slice(0, Math.max(eq, 0));
    if (eq <= 0 || !ENV_NAME.test(name)) throw usageError(command, `${flag} "${item}" is not NAME=VALUE with a valid variable name`, `write ${flag} NAME=value (${ENV_NAME_FIX})`);
    const value = item.slice(eq + 1);
    if (value.includes('\0')) throw usageError(command, `${flag} ${name}: the value contains a NUL character`, 'remove the NUL character');
    env[name] = value;
  }
  return env;
}

/** The same rules for variables read from a file (`--env-file`): names and values, naming the file. */
export function checkEnvFile(command: string, file: string, env: Record<string, string>): Record<string, string> {
  for (const [name, value] of Object.entries(env)) {
    if (!ENV_NAME.test(name)) throw usageError(command, `--env-file ${file}: "${name}" is not a valid variable name`, ENV_NAME_FIX);
    if (value.includes('\0')) throw usageError(command, `--env-file ${file}: the value of ${name} contains a NUL character`, 'remove the NUL character');
  }
  return env;
}
