import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../log.ts';
import type { RuntimeDriver, WorkloadHandle, WorkloadSpec } from '../runtimes/driver.ts';
import { errorText } from '../log.ts';
import { sessionJupyterDir } from './session-jupyter.ts';

/** How often the running Docker sessions' kernel request folders are looked at. */
const POLL_MS = 200;
/** How often the store is asked which Docker sessions run. */
const REFRESH_MS = 3000;
const KERNEL_HOST_PREFIX = 'berth-kernels-';
const ACTIVE = ['STARTING', 'RUNNING', 'STOPPING'];

export interface KernelHostSessions {
  /** The store's sessions on the docker runtime (any status). */
  list(): Promise<Array<{ uuid: string; status: string }>>;
  /** Whether the session is RUNNING now (asked again right after a start). */
  isRunning(sessionUuid: string): Promise<boolean>;
  /** The kernel host workload of one environment of a running session; null when it has none (no kernel). */
  spec(sessionUuid: string, environmentUuid: string): Promise<WorkloadSpec | null>;
}

interface Host {
  handle: WorkloadHandle | null;
}

/**
 * Runs the kernel host containers of Docker sessions (decision 0018, amendment): when the relay of a
 * kernel Jupyter starts writes its request into `<session>/jupyter/kernels/<environment>/` and that
 * environment has no kernel host running, one is started; a kernel host exits by itself once it has
 * had no kernel for a while (a culled or shut-down last kernel), and its container is then removed.
 * One that fails (non-zero exit, or it cannot start) ends the requests waiting for it, so Jupyter sees
 * the kernel die at once rather than after the relay's two minutes. After a restart of Berth the
 * kernel hosts of running sessions are adopted (watched again), ended ones removed, and those of
 * sessions that are no longer active removed: none is left behind.
 *
 * It runs in the Berth server: a session's Jupyter is reachable only through Berth's proxy, so no
 * kernel is asked for while no server runs (decision 0019).
 */
export class KernelHostLauncher {
  readonly #home: string;
  readonly #sessions: KernelHostSessions;
  readonly #driver: () => Promise<RuntimeDriver>;
  readonly #log: Logger;
  readonly #hosts = new Map<string, Host>();
  readonly #stopped = new AbortController();
  #running: string[] = [];
  #swept: string | null = null;
  #refreshedAt = 0;
  #timer: NodeJS.Timeout | null = null;
  #pass: Promise<void> | null = null;
  readonly #pending = new Set<Promise<unknown>>();
  #lastError: string | null = null;

  constructor(deps: { home: string; sessions: KernelHostSessions; driver: () => Promise<RuntimeDriver>; log: Logger }) {
    this.#home = deps.home;
    this.#sessions = deps.sessions;
    this.#driver = deps.driver;
    this.#log = deps.log;
  }

  start(): this {
    this.#schedule(0);
    return this;
  }

  /** Stops watching; the kernel hosts run on (a restarted server adopts them). */
  async close(): Promise<void> {
    this.#stopped.abort();
    if (this.#timer) clearTimeout(this.#timer);
    await this.#pass?.catch(() => undefined);
    await Promise.allSettled([...this.#pending]);
  }

  #schedule(ms: number): void {
    if (this.#stopped.signal.aborted) return;
    this.#timer = setTimeout(() => {
      this.#pass = this.#once()
        .then(() => void (this.#lastError = null))
        .catch((e: unknown) => {
          // Said once, not every pass (e.g. while the Docker engine is down).
          const err = errorText(e);
          if (err !== this.#lastError) this.#log.warn({ err }, 'kernel hosts: a pass failed');
          this.#lastError = err;
        })
        .finally(() => {
          this.#pass = null;
          this.#schedule(POLL_MS);
        });
    }, ms);
    this.#timer.unref();
  }

  async #once(): Promise<void> {
    if (Date.now() - this.#refreshedAt >= REFRESH_MS) await this.#refresh();
    for (const session of this.#running) {
      const root = join(sessionJupyterDir(this.#home, session), 'kernels');
      for (const environment of entries(root)) {
        const key = `${session}/${environment}`;
        if (this.#hosts.has(key) || waiting(join(root, environment)).length === 0) continue;
        this.#track(this.#launch(session, environment, key));
      }
    }
  }

  /** Which Docker sessions run; when that changed (and at first), adopts or removes the kernel hosts found on the engine. */
  async #refresh(): Promise<void> {
    this.#refreshedAt = Date.now();
    const rows = await this.#sessions.list();
    this.#running = rows.filter((r) => r.status === 'RUNNING').map((r) => r.uuid);
    const state = this.#running.join(',');
    if (rows.length === 0 || state === this.#swept) return;
    const driver = await this.#driver();
    const active = new Set(rows.filter((r) => ACTIVE.includes(r.status)).map((r) => r.uuid));
    for (const handle of await driver.list({})) {
      const { session, service } = handle.labels;
      if (session === undefined || !service?.startsWith(KERNEL_HOST_PREFIX)) continue;
      const key = `${session}/${service.slice(KERNEL_HOST_PREFIX.length)}`;
      if (this.#hosts.has(key)) continue;
      if (active.has(session) && this.#running.includes(session) && (await driver.isRunning(handle))) {
        this.#log.info({ session, workload: handle.id }, 'kernel hosts: adopted a running kernel host');
        this.#watch(driver, key, { handle });
      } else if (!active.has(session) || !(await driver.isRunning(handle))) {
        await driver.remove(handle).catch((e: unknown) => this.#log.warn({ workload: handle.id, err: errorText(e) }, 'kernel hosts: could not remove an ended kernel host'));
        this.#log.info({ session, workload: handle.id }, 'kernel hosts: removed a kernel host that had ended or whose session is not active');
      }
    }
    this.#swept = state;
  }

  /** Starts the environment's kernel host for the requests waiting in its folder. */
  async #launch(session: string, environment: string, key: string): Promise<void> {
    const host: Host = { handle: null };
    this.#hosts.set(key, host);
    const requests = join(sessionJupyterDir(this.#home, session), 'kernels', environment);
    try {
      const driver = await this.#driver();
      const spec = await this.#sessions.spec(session, environment);
      if (!spec) throw new Error(`the session has no kernel host for environment ${environment}`);
      // A kernel host that ended holds the container's name: it goes first. A running one is adopted.
      for (const old of await driver.list({ session, service: spec.labels.service })) {
        if (await driver.isRunning(old)) return this.#watch(driver, key, { handle: old });
        await driver.remove(old);
      }
      const handle = await driver.start(spec, this.#stopped.signal);
      // The session may have been stopped meanwhile (its teardown lists containers after it leaves RUNNING).
      if (!(await this.#sessions.isRunning(session))) {
        await driver.remove(handle);
        this.#hosts.delete(key);
        return;
      }
      this.#log.info({ session, environment, workload: handle.id }, 'kernel hosts: started a kernel host for a kernel request');
      this.#watch(driver, key, { handle });
    } catch (e) {
      this.#hosts.delete(key);
      if (this.#stopped.signal.aborted) return;
      this.#log.warn({ session, environment, err: errorText(e) }, 'kernel hosts: could not start a kernel host; its kernels end');
      endWaiting(requests);
    }
  }

  /** Until the kernel host ends: then its container is removed; a failed one ends the requests still waiting for it. */
  #watch(driver: RuntimeDriver, key: string, host: Host & { handle: WorkloadHandle }): void {
    this.#hosts.set(key, host);
    const [session, environment] = key.split('/') as [string, string];
    this.#track(
      driver.wait(host.handle, this.#stopped.signal).then(
        async (exit) => {
          if (exit.code !== 0 && (await this.#sessions.isRunning(session))) {
            this.#log.warn({ session, environment, code: exit.code, log: host.handle.logPath }, 'kernel hosts: a kernel host failed; its waiting kernels end');
            endWaiting(join(sessionJupyterDir(this.#home, session), 'kernels', environment));
          }
          await driver.remove(host.handle).catch(() => undefined);
          if (this.#hosts.get(key) === host) this.#hosts.delete(key);
        },
        () => undefined,
      ),
    );
  }

  #track(p: Promise<unknown>): void {
    this.#pending.add(p);
    void p.finally(() => this.#pending.delete(p));
  }
}

function entries(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** Kernel requests in an environment's folder that no kernel host has answered (no `.exited` mark). */
function waiting(dir: string): string[] {
  const names = entries(dir);
  return names.filter((n) => /^kernel-.+\.json$/.test(n) && !names.includes(`${n}.exited`));
}

/** Marks the waiting requests ended: their relays end, and Jupyter sees those kernels die. */
function endWaiting(dir: string): void {
  for (const name of waiting(dir)) {
    try {
      writeFileSync(join(dir, `${name}.exited`), '');
    } catch {
      // The relay withdrew it meanwhile.
    }
  }
}
