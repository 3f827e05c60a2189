import { execFileSync } from 'node:child_process';
import { closeSync, constants, fchmodSync, fchownSync, fstatSync, lstatSync, openSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { BerthError } from '../../errors.ts';

/** The credentials a workload runs with (the launcher switches to them between fork and exec). */
export interface WorkloadCredentials {
  uid: number;
  gid: number;
  groups: number[];
  umask: number;
}

/**
 * Runs host workloads as an unprivileged user instead of Berth's own (root) user: see
 * docs/decisions/0001-process-workload-user.md. One OS user (`name`, created with useradd on first
 * use) runs every workload; each project gets its own group (`berth-p-<uuid prefix>`), which is the
 * workload's primary group. So a workload cannot read BERTH_HOME's files (0600, root), the server's
 * /proc entries (another uid), another project's folders (that project's group only) nor another
 * project's workloads' /proc entries (the kernel also compares the primary group). The shared data
 * folder belongs to the user's own group, which every workload has as a supplementary group.
 *
 * `grant` opens the folders one workload needs: folders inside BERTH_HOME get traversable parents
 * (0710, the workload group) and the project's group; folders outside it (the project folder) get
 * the project's group recursively (setgid folders, group read-write, nothing for others). Symlinks
 * are never followed and files with several links are left alone.
 */
export class WorkloadUser {
  readonly name: string;
  readonly #home: string;
  #user: { uid: number; gid: number } | undefined;
  readonly #groups = new Map<string, number>();
  readonly #granted = new Set<string>();

  constructor(opts: { name: string; home: string }) {
    this.name = opts.name;
    this.#home = opts.home;
  }

  /** The credentials for a workload of `project` (a project uuid; undefined: the user's own group only). */
  credentials(project: string | undefined): WorkloadCredentials {
    const user = this.#ensureUser();
    const gid = project ? this.#ensureGroup(projectGroupName(project)) : user.gid;
    return { uid: user.uid, gid, groups: [...new Set([gid, user.gid])], umask: 0o007 };
  }

  /** Opens BERTH_HOME for traversal by the workload group (never listing: 0710). */
  openHome(): void {
    const user = this.#ensureUser();
    setOwnership(this.#home, { gid: user.gid, mode: 0o710 });
  }

  /** Gives `project`'s workloads read-write access to each path (once per path and project in this process). */
  grant(project: string | undefined, paths: string[]): void {
    const user = this.#ensureUser();
    const gid = project ? this.#ensureGroup(projectGroupName(project)) : user.gid;
    for (const path of paths) {
      const key = `${gid}\0${path}`;
      if (this.#granted.has(key)) continue;
      if (isInside(this.#home, path)) {
        // Every Berth folder between BERTH_HOME and the path: traversable by workloads, not listable.
        let parent = dirname(path);
        const parents: string[] = [];
        while (isInside(this.#home, parent) && parent !== this.#home) {
          parents.push(parent);
          parent = dirname(parent);
        }
        this.openHome();
        for (const p of parents.reverse()) setOwnership(p, { gid: user.gid, mode: 0o710 });
      } else {
        assertShareable(path);
        assertReachable(path, this.name);
      }
      shareTree(path, gid);
      this.#granted.add(key);
    }
  }

  /**
   * Keeps `dir` — a folder inside a granted one that Berth itself writes as root (a run's logs) —
   * out of workloads' hands: readable by the project's group, writable by nobody else (02750, its
   * files 0640), and the granted folder above it sticky (+t) so no workload can rename or replace
   * it. Otherwise a step could swap a later step's log for a link and have the launcher append to
   * any host file. Never follows links: a planted one is left alone (and never written through).
   */
  protect(project: string | undefined, dir: string): void {
    const user = this.#ensureUser();
    const gid = project ? this.#ensureGroup(projectGroupName(project)) : user.gid;
    const parent = dirname(dir);
    try {
      const st = lstatSync(parent);
      if (st.isDirectory()) setOwnership(parent, { gid: st.gid, mode: (st.mode & 0o7777) | 0o1000 });
    } catch {
      return;
    }
    setOwnership(dir, { gid, mode: 0o2750 });
    let names: string[] = [];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names) setOwnership(join(dir, name), { gid, mode: 0o640 });
  }

  #ensureUser(): { uid: number; gid: number } {
    if (this.#user) return this.#user;
    let found = lookupUser(this.name);
    if (!found) {
      run('useradd', ['--system', '--user-group', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', this.name], `create the workload user ${this.name}`);
      found = lookupUser(this.name);
    }
    if (!found) throw configError(this.name, `user ${this.name} could not be created`);
    if (found.uid === 0) throw configError(this.name, `BERTH_WORKLOAD_USER=${this.name} is root: workloads would keep every privilege`);
    this.#user = found;
    return found;
  }

  #ensureGroup(name: string): number {
    const known = this.#groups.get(name);
    if (known !== undefined) return known;
    let gid = lookupGroup(name);
    if (gid === undefined) {
      run('groupadd', ['--system', name], `create the project group ${name}`);
      gid = lookupGroup(name);
    }
    if (gid === undefined) throw configError(this.name, `group ${name} could not be created`);
    this.#groups.set(name, gid);
    return gid;
  }
}

/** A project's group: "berth-p-" and the first 12 hex digits of its uuid (group names are short). */
export function projectGroupName(projectUuid: string): string {
  return `berth-p-${projectUuid.replace(/[^0-9a-f]/gi, '').slice(0, 12).toLowerCase()}`;
}

function lookupUser(name: string): { uid: number; gid: number } | undefined {
  const out = getent('passwd', name);
  if (!out) return undefined;
  const fields = out.split(':');
  return { uid: Number(fields[2]), gid: Number(fields[3]) };
}

function lookupGroup(name: string): number | undefined {
  const out = getent('group', name);
  return out ? Number(out.split(':')[2]) : undefined;
}

function getent(db: string, name: string): string | undefined {
  try {
    return execFileSync('getent', [db, name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || undefined;
  } catch {
    return undefined;
  }
}

function run(program: string, args: string[], what: string): void {
  try {
    execFileSync(program, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    const stderr = String((e as { stderr?: Buffer }).stderr ?? (e as Error).message).trim();
    throw new BerthError('BERTH_E_CONFIG', `could not ${what}: ${program} failed: ${stderr}`, {
      problems: [{ path: 'BERTH_WORKLOAD_USER', message: `${program} failed`, fix: 'create the user yourself (useradd --system --user-group <name>) or set BERTH_WORKLOAD_USER to an existing unprivileged user' }],
    });
  }
}

function configError(name: string, message: string): BerthError {
  return new BerthError('BERTH_E_CONFIG', message, {
    problems: [{ path: 'BERTH_WORKLOAD_USER', message, fix: `set BERTH_WORKLOAD_USER to an unprivileged user (now "${name}")` }],
  });
}

function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !rel.startsWith(sep) && rel !== '..');
}

/** A project folder at the root or one level below it (/, /srv, /home) would hand whole trees to a group: refused. */
function assertShareable(path: string): void {
  const depth = resolve(path).split(sep).filter(Boolean).length;
  if (depth >= 2) return;
  throw new BerthError('BERTH_E_FORBIDDEN', `${path} cannot be a project folder for workloads of another user: it would give the project's group a whole tree of the system`, {
    problems: [{ path: 'project.path', message: 'too close to the root of the file system', fix: 'register a folder of its own, e.g. /srv/berth/projects/<name>' }],
  });
}

/** Each folder above a project folder must let others pass (x), or the workload user cannot reach it. */
function assertReachable(path: string, user: string): void {
  let parent = dirname(path);
  for (;;) {
    const mode = statSync(parent).mode;
    if ((mode & 0o001) === 0) {
      throw new BerthError('BERTH_E_FORBIDDEN', `the workload user ${user} cannot reach ${path}: ${parent} does not let other users pass (mode ${(mode & 0o777).toString(8)})`, {
        problems: [{ path: 'project.path', message: `${parent} is not searchable by other users`, fix: `register the project in a folder other users can pass through (e.g. under /srv), or chmod o+x ${parent}` }],
      });
    }
    if (parent === dirname(parent)) return;
    parent = dirname(parent);
  }
}

/** The group gets the path: folders setgid and group rwx, files group rw (x kept), others nothing. */
function shareTree(root: string, gid: number): void {
  let device: number;
  try {
    device = lstatSync(root).dev;
  } catch {
    return;
  }
  const stack = [root];
  while (stack.length > 0) {
    const path = stack.pop()!;
    let st;
    try {
      st = lstatSync(path);
    } catch {
      continue;
    }
    // Never follows links, and stays on the folder's own file system (no mounts below it).
    if (st.isSymbolicLink() || st.dev !== device) continue;
    if (st.isDirectory()) {
      setOwnership(path, { gid, mode: (st.mode & 0o700) | 0o2070 });
      let names: string[] = [];
      try {
        names = readdirSync(path);
      } catch {
        continue;
      }
      for (const name of names) stack.push(join(path, name));
    } else if (st.isFile() && st.nlink === 1) {
      const group = (st.mode & 0o100) !== 0 ? 0o070 : 0o060;
      setOwnership(path, { gid, mode: (st.mode & 0o700) | group });
    }
  }
}

/** fchown/fchmod through a descriptor opened without following symlinks (no race with a swapped link). */
function setOwnership(path: string, want: { gid: number; mode: number }): void {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isDirectory() && !(st.isFile() && st.nlink === 1)) return;
    if (st.gid !== want.gid) fchownSync(fd, st.uid, want.gid);
    if ((st.mode & 0o7777) !== want.mode) fchmodSync(fd, want.mode);
  } finally {
    closeSync(fd);
  }
}
