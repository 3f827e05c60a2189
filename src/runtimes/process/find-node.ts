import { execFileSync } from 'node:child_process';
import { delimiter, join } from 'node:path';
import { readableByOthers, runnableByOthers } from './runnable-by-others.ts';

/** Whether a Node.js binary strips TypeScript types by itself (23.6+, 22.18+): Berth's JS SDK hook is TypeScript. */
const stripsTypes = new Map<string, boolean>();

function canStripTypes(node: string): boolean {
  let known = stripsTypes.get(node);
  if (known === undefined) {
    try {
      known = execFileSync(node, ['-p', "typeof process.features.typescript === 'string'"], { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'ignore'] }).trim() === 'true';
    } catch {
      known = false;
    }
    stripsTypes.set(node, known);
  }
  return known;
}

/**
 * The Node.js that runs a host step's `.js`/`.mjs`/`.ts` file: the one running Berth, unless the
 * step runs as the workload user and that one is out of its reach (e.g. under /root, 0700) — then
 * the first `node` on `path` that every user can run and that strips types as Berth's does. With
 * `sdk` (the module preloaded with --import), that module must be readable by every user too.
 * A reason naming the cause and the fix when there is none: the step then fails before it starts
 * instead of exiting with 126.
 */
export function findNode(opts: { current: string; path: string; forOtherUsers: boolean; user: string; sdk?: string }): { ok: true; node: string } | { ok: false; reason: string } {
  if (!opts.forOtherUsers) return { ok: true, node: opts.current };
  if (opts.sdk !== undefined && !readableByOthers(opts.sdk)) {
    return { ok: false, reason: `Berth's JavaScript SDK (${opts.sdk}) cannot be read by the workload user ${opts.user}: install Berth in a folder every user can read (not under /root)` };
  }
  if (runnableByOthers(opts.current)) return { ok: true, node: opts.current };
  for (const dir of opts.path.split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, 'node');
    if (runnableByOthers(candidate) && canStripTypes(candidate)) return { ok: true, node: candidate };
  }
  return {
    ok: false,
    reason:
      `the Node.js that runs Berth (${opts.current}) cannot be run by the workload user ${opts.user} (a folder above it is closed to other users), ` +
      'and no node on PATH that every user can run is recent enough (23.6 or later): install Node.js 24 system-wide (e.g. /usr/local/bin/node) and put it on the server\'s PATH',
  };
}
