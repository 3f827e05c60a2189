import type { Logger } from '../log.ts';
import { randomUUID } from 'node:crypto';
import { BerthError } from '../errors.ts';
import type { BuildRepository } from '../store/build-repository.ts';
import type { EnvironmentBuild } from '../store/state-change.ts';
import type { BuildSlots, SlotWait } from './environment-images.ts';
import { ownerState, thisProcess } from '../leases/owner-lease.ts';

const POLL_MS = 250;

/** A build as lists show it (owner pid/host stay internal). */
export interface BuildView {
  uuid: string;
  environment_uuid: string;
  environment_name: string;
  image: string;
  /** The project folder it was built for (null: not known). */
  project_dir: string | null;
  status: string;
  reason: string | null;
  log_path: string;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

export interface BuildPage {
  builds: BuildView[];
  /** Pass as `before` for the next (older) page; null on the last page. */
  next_cursor: string | null;
}

/**
 * Build slots in the store (BERTH_MAX_BUILDS): a build waits PENDING until the store's conditional
 * claim gives it a slot. The rows carry their owner's pid and host; a waiter (and reconcile) ends the
 * builds of owners on this host that are gone, so a killed Berth never holds a slot for ever.
 */
export class BuildQueue implements BuildSlots {
  readonly #builds: BuildRepository;
  readonly #host = thisProcess().host;

  readonly #log: Logger | undefined;

  constructor(builds: BuildRepository, log?: Logger) {
    this.#builds = builds;
    this.#log = log;
  }

  async acquire(build: EnvironmentBuild, logPath: string, wait: SlotWait): Promise<string | null> {
    const uuid = randomUUID();
    await this.#builds.create({
      uuid, project_dir: build.projectDir, environment_uuid: build.environmentUuid, environment_name: build.environmentName, image: build.image,
      status: 'PENDING', reason: null, log_path: logPath, owner_pid: thisProcess().pid, owner_host: thisProcess().host, owner_start: thisProcess().start, created_at: new Date().toISOString(), started_at: null, finished_at: null,
    });
    let told = -1;
    while (!(await this.#builds.claim(uuid, new Date().toISOString()))) {
      if ((await this.#builds.get(uuid))?.status !== 'PENDING') throw new Error(`build ${uuid} was ended while it waited for a slot`);
      await this.reclaim();
      if (!(await wait.stillNeeded())) {
        await this.#builds.withdraw(uuid);
        return null;
      }
      const ahead = await this.#builds.ahead(uuid);
      if (ahead !== told && ahead > 0) wait.onWaiting(ahead);
      told = ahead;
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
    return uuid;
  }

  async release(uuid: string, failure?: string): Promise<void> {
    await this.#builds.finish(uuid, failure === undefined ? 'SUCCESS' : 'FAILURE', new Date().toISOString(), failure ?? null);
  }

  /** Builds, newest first; `status` filters (PENDING, STARTED, SUCCESS, FAILURE); `before` is the previous page's next_cursor. */
  async list(opts: { limit?: number; before?: string; status?: string } = {}): Promise<BuildPage> {
    const limit = opts.limit ?? 50;
    if (opts.before !== undefined && !(await this.#builds.get(opts.before))) {
      throw new BerthError('BERTH_E_INVALID_ARGUMENT', `no build ${opts.before} to page from`, {
        problems: [{ path: 'before', message: 'not a build id', fix: 'pass the next_cursor of the previous page' }],
      });
    }
    const rows = await this.#builds.list({ limit, before: opts.before, status: opts.status });
    const builds = rows.map(({ owner_pid: _pid, owner_host: _host, owner_start: _start, ...view }) => view);
    return { builds, next_cursor: rows.length === limit ? rows[rows.length - 1]!.uuid : null };
  }

  /** Ends the builds (waiting or running) whose Berth process on this host is gone: their slots are free. */
  async reclaim(): Promise<void> {
    for (const row of await this.#builds.activeOwnedBy(this.#host)) {
      if (row.owner_pid === null || ownerState({ pid: row.owner_pid, host: row.owner_host, start: row.owner_start }) !== 'gone') continue;
      const reason = `the berth process (pid ${row.owner_pid}) ${row.status === 'STARTED' ? 'building' : 'waiting to build'} this image exited before it ended`;
      if (await this.#builds.finish(row.uuid, 'FAILURE', new Date().toISOString(), reason)) this.#log?.warn({ build: row.uuid, environment: row.environment_name }, `reconcile: build marked FAILURE: ${reason}`);
    }
  }
}
