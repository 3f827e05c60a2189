import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';
import type { Mount } from '../runtimes/driver.ts';
import { checkEnvFile, envFlags } from './env-flags.ts';
import { usageError } from './parse-flags.ts';

/** --env-file files (in order), then --env K=V (later wins). */
export function instanceEnv(command: string, envFiles: string[], envs: string[], cwd: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const file of envFiles) {
    let content: string;
    try {
      content = readFileSync(resolve(cwd, file), 'utf8');
    } catch (e) {
      throw usageError(command, `--env-file ${file} cannot be read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, 'give a readable file of NAME=value lines');
    }
    Object.assign(env, checkEnvFile(command, file, parseEnv(content) as Record<string, string>));
  }
  return Object.assign(env, envFlags(command, envs));
}

/** Apptainer's -B src[:dest[:ro|rw]]; src must exist. */
export function instanceBinds(command: string, binds: string[], cwd: string): Mount[] {
  return binds.flatMap((spec) => spec.split(',')).map((spec) => {
    const [src = '', dest, mode, extra] = spec.split(':');
    if (src === '' || extra !== undefined || (mode !== undefined && mode !== 'ro' && mode !== 'rw')) {
      throw usageError(command, `--bind "${spec}" is not SRC[:DEST[:ro|rw]]`, 'e.g. --bind /srv/data:/data:ro');
    }
    const source = resolve(cwd, src);
    if (!existsSync(source)) throw usageError(command, `--bind source ${source} does not exist`, 'bind an existing file or folder');
    const target = dest ?? source;
    if (!target.startsWith('/')) throw usageError(command, `--bind destination "${target}" is not an absolute path`, 'e.g. --bind ./data:/data');
    return { source, target, readOnly: mode === 'ro' };
  });
}

export function instancePorts(command: string, ports: string[]): number[] {
  return ports.map((p) => port(command, '--port', p));
}

export function port(command: string, flag: string, value: string): number {
  const n = Number(value);
  if (Number.isInteger(n) && n >= 1 && n <= 65535) return n;
  throw usageError(command, `${flag} ${value} is not a TCP port`, `give a number from 1 to 65535, e.g. ${flag} 8080`);
}

export function seconds(command: string, flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() !== '' && Number.isFinite(n) && n >= 0) return n;
  throw usageError(command, `${flag} ${value} is not a number of seconds`, `e.g. ${flag} 10`);
}

/** `--cpus N`: CPUs, fractions allowed (as Docker's and Apptainer's), from 0.01 to this host's count. */
export function cpus(command: string, value: string | undefined, available: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0.01 || n > available) {
    throw usageError(command, `--cpus ${value} is not a number of CPUs from 0.01 to ${available} (this host's)`, 'e.g. --cpus 1.5');
  }
  return n;
}

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 };
/** Docker's smallest memory limit. */
const MIN_MEMORY_BYTES = 6 * 2 ** 20;

/** `--memory SIZE`: bytes, or with a unit k, m, g, t (powers of 1024; "512M", "1.5g", "2GiB"), at least 6 MiB. */
export function memorySize(command: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([bkmgt]?)(?:i?b)?\s*$/i.exec(value);
  const bytes = m ? Math.floor(Number(m[1]) * SIZE_UNITS[m[2]!.toLowerCase()]!) : NaN;
  if (!Number.isFinite(bytes) || bytes < MIN_MEMORY_BYTES) {
    throw usageError(command, `--memory ${value} is not a size of at least 6m`, 'e.g. --memory 512m or --memory 2g (units k, m, g: powers of 1024)');
  }
  return bytes;
}
