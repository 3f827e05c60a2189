import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { BerthError } from '../errors.ts';

const CLONE_TIMEOUT_MS = 10 * 60_000;

/**
 * A git URL Berth clones: ssh://, git+ssh://, https://, http://, file:// or scp-like user@host:path.
 * Never an option (leading "-"), never whitespace or control characters. 400 naming `url` otherwise.
 */
export function checkGitUrl(url: string): string {
  const ok = !/[\s\0-\x1f\x7f]/.test(url) && !url.startsWith('-') && (/^(ssh|git\+ssh|https?|file):\/\/[^/]/.test(url) || /^(file):\/\/\//.test(url) || /^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[^/\\].*$|^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:\/.+$/.test(url));
  if (ok) return url;
  throw new BerthError('BERTH_E_INVALID_ARGUMENT', `"${url.slice(0, 200).replace(/[\0-\x1f]/g, '?')}" is not a git URL Berth clones`, {
    problems: [{ path: 'url', message: 'not a git URL', fix: 'use ssh://git@host/repo.git, git@host:owner/repo.git, https://host/repo.git or file:///path/repo.git' }],
  });
}

/** The project name a URL suggests: its last path part without ".git". */
export function projectNameFromUrl(url: string): string {
  const last = url.replace(/\/+$/, '').split(/[/:]/).pop() ?? '';
  return last.replace(/\.git$/, '') || 'project';
}

/**
 * `git clone -- URL DEST` with `env` (GIT_SSH_COMMAND of the stored keys). DEST must not exist; on
 * failure nothing is left of it: the error `explain` makes of git's output (a changed host key), else
 * 502 BERTH_E_GIT_CLONE with git's own last lines.
 */
export async function gitClone(url: string, dest: string, env: Record<string, string>, explain?: (output: string) => Promise<BerthError | null>): Promise<void> {
  if (existsSync(dest)) {
    throw new BerthError('BERTH_E_CONFLICT', `${dest} exists already`, { problems: [{ path: 'name', message: 'the folder for this project exists', fix: 'choose another project name' }] });
  }
  mkdirSync(dirname(dest), { recursive: true });
  const child = spawn('git', ['clone', '--quiet', '--', url, dest], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr = (stderr + c.toString('utf8')).slice(-8000)));
  const timer = setTimeout(() => child.kill('SIGKILL'), CLONE_TIMEOUT_MS);
  const code = await new Promise<number | null>((resolve) => {
    child.on('error', () => resolve(-1));
    child.on('close', (c) => resolve(c));
  }).finally(() => clearTimeout(timer));
  if (code === 0) return;
  rmSync(dest, { recursive: true, force: true });
  const known = await explain?.(stderr);
  if (known) throw known;
  const said = stderr.trim().split('\n').slice(-3).join(' / ') || (code === -1 ? 'git is not installed' : `exit ${code}`);
  throw new BerthError('BERTH_E_GIT_CLONE', `git clone ${url} failed: ${said}`, {
    problems: [{ path: 'url', message: 'the clone failed', fix: 'check the URL, and that one of your stored keys (`berth git key list`) may read the repository' }],
  });
}
