import { readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * The interpreter a pyenv shim (`~/.pyenv/shims/python3`: three bash scripts on every start, ~260 ms
 * on a slow host) would run, found as pyenv finds it but without running it: PYENV_VERSION, else the
 * first `.python-version` from `cwd` up, else `$PYENV_ROOT/version`. Null whenever anything is not
 * the plain case — not a pyenv shim, several versions, "system", a version prefix or a missing
 * interpreter — so that the caller asks the shim itself.
 */
export function pyenvShimTarget(shim: string, env: Record<string, string | undefined>, cwd: string): string | null {
  let text: string;
  try {
    text = readFileSync(shim, 'utf8');
  } catch {
    return null;
  }
  if (text.length > 4096 || !text.startsWith('#!/usr/bin/env bash')) return null;
  const root = /^export PYENV_ROOT="([^"$`\\]+)"$/m.exec(text)?.[1];
  if (!root || !text.includes(`exec "${root}/libexec/pyenv" exec "$program" "$@"`)) return null;
  const version = env.PYENV_VERSION !== undefined && env.PYENV_VERSION !== '' ? env.PYENV_VERSION : versionFile(cwd, root);
  if (!version || !/^[A-Za-z0-9][A-Za-z0-9._+-]*$/.test(version) || version === 'system') return null;
  return join(root, 'versions', version, 'bin', basename(shim));
}

/** The single version named by the nearest `.python-version` (from `dir` up), else by `$PYENV_ROOT/version`. */
function versionFile(dir: string, root: string): string | null {
  for (let at = dir; ; at = dirname(at)) {
    const found = readVersion(join(at, '.python-version'));
    if (found !== undefined) return found;
    if (dirname(at) === at) break;
  }
  return readVersion(join(root, 'version')) ?? null;
}

/** undefined: no such file; null: not exactly one version in it. */
function readVersion(file: string): string | null | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const words = text.split('\n').filter((line) => !line.trimStart().startsWith('#')).join(' ').split(/\s+/).filter(Boolean);
  return words.length === 1 ? words[0]! : null;
}
