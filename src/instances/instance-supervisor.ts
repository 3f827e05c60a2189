import { setTimeout as delay } from 'node:timers/promises';
import { restartDelayMs, shouldRestart, STABLE_RUN_MS } from '../core/restart-policy.ts';
import type { ExitStatus, RuntimeDriver, WorkloadHandle } from '../runtimes/driver.ts';
import { isProcessAlive } from '../leases/is-process-alive.ts';
import { readProcStat } from '../leases/proc-stat.ts';
import { BerthError, isBerthError } from '../errors.ts';
import type { InstanceRepository } from '../store/instance-repository.ts';
import { probeHealth } from './health-probe.ts';
import type { SupervisorOrder, SupervisorReport } from './supervisor-protocol.ts';

const ADOPT_POLL_MS = 20;

export interface SupervisorOptions {
  order: SupervisorOrder;
  /** Opened only once the workload runs, so opening the store is not on the path to "started". */
  instances: () => Promise<InstanceRepository>;
  driver: RuntimeDriver;
  /** Grace period when the supervisor itself is signalled (not through `instance stop`). */
  defaultGraceMs: number;
  /** Lines for the instance's .err log. */
  log: (line: string) => void;
}

/**
 * The process that answers for one instance (its PID in `instance list` and in --pid-file): starts
 * the workload through the runtime driver, applies the restart policy, runs health checks, and stops
 * the workload when `instance stop` (or a SIGTERM/SIGINT to it, e.g. from systemd) asks.
 * It holds the instance's environment in memory only, so it does not outlive a reboot: the store row
 * it leaves behind is stale and the next list/stop/start removes it.
 */
export class InstanceSupervisor {
  readonly #order: SupervisorOrder;
  readonly #openRepo: () => Promise<InstanceRepository>;
  #repoOpened: Promise<InstanceRepository> | undefined;
  readonly #driver: RuntimeDriver;
  readonly #defaultGraceMs: number;
  readonly #log: (line: string) => void;
  /** Aborted when a stop is requested: cuts restart back-off and health pauses short. */
  readonly #stopped = new AbortController();
  #stopDone: Promise<void> = Promise.resolve();
  #stopOpts: { signal: string; graceMs: number } | undefined;
  #current: WorkloadHandle | undefined;
  #attempt = 0;

  constructor(opts: SupervisorOptions) {
    this.#order = opts.order;
    this.#openRepo = opts.instances;
    this.#driver = opts.driver;
    this.#defaultGraceMs = opts.defaultGraceMs;
    this.#log = opts.log;
  }

  get #id(): string {
    return this.#order.instanceId;
  }

  #repo(): Promise<InstanceRepository> {
    this.#repoOpened ??= this.#openRepo();
    return this.#repoOpened;
  }

  /**
   * Runs the instance to its end; `ready` is called once, when the workload runs (the starter then
   * records this process and the handle in the row) or could not start (the starter removes the row).
   * An order with the workload already `started` is adopted, and `ready` is not called.
   * Resolves with the exit code.
   */
  async run(ready: (report: SupervisorReport) => void): Promise<number> {
    let handle: WorkloadHandle;
    const started = this.#order.started;
    if (started) {
      // Started by the starter, which recorded it with this process as the keeper: adopt it.
      this.#attempt = 1;
      this.#current = started;
      this.#healthLoop().catch((e: unknown) => this.#log(`[berth] health checks of instance ${this.#order.name} stopped: ${String(e)}`));
      return this.#supervise(started);
    }
    try {
      handle = await this.#startWorkload();
    } catch (e) {
      const error = isBerthError(e) ? e : new BerthError('BERTH_E_INSTANCE_START', `instance ${this.#order.name} failed to start: ${String(e)}`);
      ready({ ok: false, error: { code: error.code, message: error.message, problems: error.problems } });
      return 1;
    }
    ready({ ok: true, pid: process.pid, startTime: readProcStat(process.pid)?.startTime ?? -1, handle });
    this.#healthLoop().catch((e: unknown) => this.#log(`[berth] health checks of instance ${this.#order.name} stopped: ${String(e)}`));
    return this.#supervise(handle);
  }

  /** A stop asked by `instance stop` (the row says stopping, with its signal) or by a signal to this process. */
  requestStop(received: NodeJS.Signals): void {
    if (this.#stopOpts) return;
    this.#stopOpts = { signal: received, graceMs: this.#defaultGraceMs };
    this.#stopped.abort();
    this.#stopDone = (async () => {
      const repo = await this.#repo();
      const row = await repo.get(this.#id);
      if (row?.status === 'stopping' && row.stop_signal !== null) {
        this.#stopOpts = { signal: row.stop_signal, graceMs: row.stop_grace_ms ?? this.#defaultGraceMs };
      } else {
        await repo.requestStop(this.#id, received, this.#defaultGraceMs);
      }
      if (this.#current) await this.#stopWorkload(this.#current);
    })().catch((e: unknown) => this.#log(`[berth] stopping instance ${this.#order.name} failed: ${String(e)}`));
  }

  async #supervise(first: WorkloadHandle): Promise<number> {
    const repo = await this.#repo();
    if (!(await this.#adopted(repo))) {
      this.#log(`[berth] instance ${this.#order.name}: its starter ended before recording it; stopping`);
      this.requestStop('SIGTERM');
    }
    let handle = first;
    let quickFailures = 0;
    for (;;) {
      const startedAt = Date.now();
      const exit = await this.#driver.wait(handle);
      if (this.#stopOpts) break;
      if (!shouldRestart(this.#order.restart, exit)) {
        this.#log(`[berth] instance ${this.#order.name}: ${describeExit(exit)}; restart policy "${this.#order.restart}": not restarting`);
        await repo.updateUnlessStopping(this.#id, { status: 'exited', exit_code: exit.code, reason: describeExit(exit) });
        await this.#driver.remove(handle);
        return 0;
      }
      quickFailures = Date.now() - startedAt >= STABLE_RUN_MS ? 0 : quickFailures + 1;
      const pause = restartDelayMs(Math.max(0, quickFailures - 1));
      this.#log(`[berth] instance ${this.#order.name}: ${describeExit(exit)}; restarting in ${pause} ms (restart policy "${this.#order.restart}")`);
      const changes = { status: 'restarting', exit_code: exit.code, reason: describeExit(exit), restarts: this.#attempt, health: this.#order.health ? 'starting' : 'none' };
      // False when the row is stopping or gone (removed as stale): either way this instance ends.
      if (!(await repo.updateUnlessStopping(this.#id, changes))) break;
      await delay(pause, undefined, { signal: this.#stopped.signal }).catch(() => undefined);
      if (this.#stopOpts) break;
      await this.#driver.remove(handle);
      try {
        handle = await this.#startWorkload();
      } catch (e) {
        this.#log(`[berth] instance ${this.#order.name}: restart failed: ${e instanceof Error ? e.message : String(e)}`);
        await repo.updateUnlessStopping(this.#id, { status: 'exited', reason: `restart failed: ${String(e)}` });
        return 1;
      }
      if (this.#stopOpts) break;
      const running = { status: 'running', handle_json: JSON.stringify(handle), started_at: new Date().toISOString(), health: this.#order.health ? 'starting' : 'none' };
      if (!(await repo.updateUnlessStopping(this.#id, running))) break;
    }
    await this.#stopDone;
    // A workload started while the stop was being asked for is stopped here (stop is idempotent).
    if (this.#current && this.#stopOpts) await this.#stopWorkload(this.#current);
    // remove stops what still runs: also the workload of a row that vanished (removed as stale).
    await this.#driver.remove(handle);
    await repo.delete(this.#id);
    return 0;
  }

  /** Whether the starter handed the row to this process (false: it died first, or the row is gone). */
  async #adopted(repo: InstanceRepository): Promise<boolean> {
    for (;;) {
      const row = await repo.get(this.#id);
      if (!row) return false;
      if (row.keeper_pid === process.pid) return true;
      if (!isProcessAlive(row.keeper_pid, row.keeper_start)) return false;
      await delay(ADOPT_POLL_MS);
    }
  }

  async #startWorkload(): Promise<WorkloadHandle> {
    this.#attempt++;
    const handle = await this.#driver.start({ ...this.#order.spec, id: `${this.#id}-${this.#attempt}` });
    // Synchronously after start: a stop requested from here on stops this handle (see requestStop).
    this.#current = handle;
    return handle;
  }

  async #stopWorkload(handle: WorkloadHandle): Promise<void> {
    const opts = this.#stopOpts ?? { signal: 'SIGTERM', graceMs: this.#defaultGraceMs };
    await this.#driver.stop(handle, { signal: opts.signal, graceMs: opts.graceMs });
  }

  /**
   * Probes every interval; while "starting" sooner, from STARTING_PROBE_MS doubling up to the
   * interval, so a workload is healthy moments after it is ready. Those early probes do not count
   * towards `retries`: only failures a whole interval apart make it unhealthy.
   */
  async #healthLoop(): Promise<void> {
    const check = this.#order.health;
    if (!check) return;
    let failures = 0;
    let last = 'starting';
    let checked: WorkloadHandle | undefined;
    let wait = 0;
    while (!this.#stopOpts) {
      const handle = this.#current;
      if (handle !== checked) {
        // A restarted workload starts over (the row says "starting" again).
        [checked, failures, last, wait] = [handle, 0, 'starting', 0];
      }
      if (handle && (await this.#driver.isRunning(handle).catch(() => false))) {
        const ok = await probeHealth(this.#driver, handle, check);
        const counts = last !== 'starting' || wait >= check.intervalMs;
        failures = ok ? 0 : counts ? failures + 1 : failures;
        const health = ok ? 'healthy' : failures >= check.retries ? 'unhealthy' : last;
        if (health !== last && handle === this.#current && (await (await this.#repo()).updateUnlessStopping(this.#id, { health }))) {
          this.#log(`[berth] instance ${this.#order.name}: health ${last} -> ${health}`);
          last = health;
        }
      }
      wait = last === 'starting' ? Math.min(wait === 0 ? STARTING_PROBE_MS : wait * 2, check.intervalMs) : check.intervalMs;
      await delay(wait, undefined, { signal: this.#stopped.signal }).catch(() => undefined);
    }
  }
}

/** The first wait between health probes of a starting workload (then doubling up to the interval). */
const STARTING_PROBE_MS = 200;

function describeExit(exit: ExitStatus): string {
  if (exit.code !== null) return `exited with code ${exit.code}`;
  if (exit.signal !== null) return `ended by ${exit.signal}`;
  return exit.reason ?? 'ended';
}
