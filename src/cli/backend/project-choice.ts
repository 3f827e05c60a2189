import { realpathSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { BerthError } from '../../errors.ts';

/**
 * Which project a command is for: a registered project by name or uuid, or a project folder
 * (registered if new). `implicit`: the current folder, because no --project was given.
 */
export type ProjectChoice = { ref: string } | { dir: string; implicit: boolean };

/**
 * `--project P` as the user meant it: a folder when P looks like a path (it has a "/", or is "." or
 * "..", which no project name can be), resolved against `cwd` and required to exist; otherwise a
 * project's name or uuid. Without P: the current folder.
 */
export function projectChoice(flag: string | undefined, cwd: string): ProjectChoice {
  if (flag === undefined) return { dir: cwd, implicit: true };
  if (!flag.includes('/') && flag !== '.' && flag !== '..') return { ref: flag };
  const dir = resolve(cwd, flag);
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    isDir = false;
  }
  if (!isDir) {
    throw new BerthError('BERTH_E_INVALID_ARGUMENT', `--project ${flag}: no such folder (${dir})`, {
      problems: [{ path: '--project', message: 'a path to a folder that does not exist', fix: "give a project's folder, or its name or uuid (see `berth project list`)" }],
    });
  }
  return { dir: realpathSync(dir), implicit: false };
}
