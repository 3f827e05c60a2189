import { join } from 'node:path';
import type { BerthConfig } from '../config/config.ts';
import { checkInstanceName, matchesInstance } from '../core/instance-name.ts';
import type { ExecResult, WorkloadHandle, WorkloadStats } from '../runtimes/driver.ts';
import type { ManagedDriver } from '../runtimes/managed-driver.ts';
import { parseSignal } from '../runtimes/process/parse-signal.ts';
import { readProcStat } from '../leases/proc-stat.ts';
import { thisProcess } from '../leases/owner-lease.ts';
import { BerthError, isBerthError } from '../errors.ts';
import { InstanceRepository, type InstanceRow, type Viewer } from '../store/instance-repository.ts';
import { RuntimeRegistry, runtimeNames } from '../runtimes/runtime-registry.ts';
import { followInstanceLogs, type LogPiece } from './instance-logs.ts';
import { stopInstance, type StopEvent, type StopOptions } from './instance-stopper.ts';
import { instanceView, type InstanceView } from './instance-view.ts';
import { type InstanceStartOptions, instanceWorkloadSpec } from './instance-spec.ts';
import { isStale } from './keeper.ts';
import { newInstanceId } from './instance-id.ts';
import { instanceRuntimeConfig } from './instance-runtime-config.ts';
import type { SupervisorOrder } from './supervisor-protocol.ts';

/** Instances run on every runtime this build has. */
export const INSTANCE_RUNTIMES: readonly string[] = runtimeNames();

export interface InstanceUser extends Viewer {
  name: string;
}

export interface StartedInstance {
  name: string;
  /** The supervisor's pid: the instance's main process. */
  pid: number;
  logOutPath: string;
  logErrPath: string;
}

/**
 * Apptainer-style named background instances on any runtime. A supervisor process per instance
 * (see InstanceSupervisor) runs it; this service claims names in the store, starts supervisors,
 * stops instances, and removes stale rows (dead supervisor, or exited instance) on every
 * list/stop/start, stopping whatever the stale row's workload left running.
 */
export class InstanceService {
  readonly #config: BerthConfig;
  readonly #repo: InstanceRepository;
  readonly #user: InstanceUser;
  readonly #host = thisProcess().host;
  readonly #runtimes: RuntimeRegistry;
  #starters: RuntimeRegistry | undefined;

  constructor(deps: { repo: InstanceRepository; config: BerthConfig; user: InstanceUser; runtimes: RuntimeRegistry }) {
    this.#config = deps.config;
    this.#repo = deps.repo;
    this.#user = deps.user;
    this.#runtimes = deps.runtimes;
  }

  /** Starts an instance and resolves once it runs (its workload started, its supervisor spawned to keep it). */
  async start(opts: InstanceStartOptions): Promise<StartedInstance> {
    const name = checkInstanceName(opts.name);
    if (!INSTANCE_RUNTIMES.includes(opts.runtime)) {
      throw new BerthError('BERTH_E_RUNTIME_UNSUPPORTED', `instances cannot run on the ${opts.runtime} runtime yet (--runtime)`, {
        problems: [{ path: '--runtime', message: `instances on "${opts.runtime}" are not supported yet`, fix: `use one of: ${INSTANCE_RUNTIMES.join(', ')}` }],
      });
    }
    const shared = { home: this.#config.home, dataDir: this.#config.dataDir, stopGraceMs: this.#config.stopGraceMs };
    // On the host the workload is started through the driver the supervisor uses (see below), so
    // this process opens that one alone. The launcher (node:child_process) is imported here, with
    // the driver: list and stop need neither.
    const [driver, { spawnSupervisor }] = await Promise.all([
      opts.runtime === 'process' ? this.#starter(opts.runtime, shared) : this.#driver(opts.runtime),
      import('./instance-launcher.ts'),
    ]);
    const logs = this.logPaths(name);
    const spec = instanceWorkloadSpec(opts, driver, { name, baseEnv: this.#config.baseEnv, logs });
    // The supervisor boots (a Node start-up) while this process sweeps stale rows and claims the name.
    const supervisor = spawnSupervisor(logs.err);
    try {
      await this.#sweep();
      const id = newInstanceId();
      const self = readProcStat(process.pid);
      const row: InstanceRow = {
        id, name, owner: this.#user.name, owner_uid: this.#user.uid, host: this.#host, runtime: driver.name, image: opts.image,
        command_json: JSON.stringify(opts.args), restart_policy: opts.restart, health_cmd: opts.health?.cmd ?? null,
        health_port: opts.health?.port ?? null, health_interval_ms: opts.health?.intervalMs ?? 0, health: opts.health ? 'starting' : 'none',
        status: 'starting', keeper_pid: process.pid, keeper_start: self?.startTime ?? -1, handle_json: null,
        log_out_path: logs.out, log_err_path: logs.err, restarts: 0, exit_code: null, reason: null, stop_signal: null,
        stop_grace_ms: null, created_at: new Date().toISOString(), started_at: null,
      };
      if (!(await this.#repo.claim(row))) {
        throw new BerthError('BERTH_E_INSTANCE_EXISTS', `instance ${name} already exists`, {
          problems: [{ path: 'NAME', message: 'you already have a running instance of this name', fix: `stop it first (berth instance stop ${name}) or choose another name` }],
        });
      }
      const order = { instanceId: id, name, owner: this.#user.name, runtime: driver.name, restart: opts.restart, health: opts.health, config: shared, spec };
      const keeper = supervisor.keeper;
      // Container runtimes: the supervisor starts the workload, as its driver copies the
      // container's output into the instance's logs for as long as it runs. Also when the
      // supervisor has no pid to record (its spawn failed): it reports, or its absence does.
      if (keeper === null || driver.name !== 'process') {
        return await this.#launchThroughSupervisor(id, name, logs, () => supervisor.launch(order));
      }
      // On the host this process starts the workload (attempt 1; its output goes straight to the
      // logs) and hands it to the supervisor, which adopts it once booted: the supervisor's Node
      // start-up is not on the way to "started".
      // `driver` is the supervisor's configuration of the process driver (opened above).
      const starter = driver;
      let handle: WorkloadHandle | undefined;
      try {
        handle = await starter.start({ ...spec, id: `${id}-1` });
        await this.#repo.adopt(id, keeper.pid, keeper.startTime, JSON.stringify(handle));
      } catch (e) {
        if (handle) await starter.remove(handle).catch(() => undefined);
        await this.#repo.delete(id);
        throw isBerthError(e) ? e : new BerthError('BERTH_E_INSTANCE_START', `instance ${name} failed to start: ${e instanceof Error ? e.message : String(e)}`);
      }
      await supervisor.hand({ ...order, started: handle });
      return { name, pid: keeper.pid, logOutPath: logs.out, logErrPath: logs.err };
    } finally {
      supervisor.cancel(); // no-op once launched
    }
  }

  async #launchThroughSupervisor(id: string, name: string, logs: { out: string; err: string }, launch: () => Promise<{ pid: number; startTime: number; handle: WorkloadHandle }>): Promise<StartedInstance> {
    try {
      const started = await launch();
      await this.#repo.adopt(id, started.pid, started.startTime, JSON.stringify(started.handle));
      return { name, pid: started.pid, logOutPath: logs.out, logErrPath: logs.err };
    } catch (e) {
      await this.#repo.delete(id);
      throw e;
    }
  }

  /**
   * The driver the first start goes through: configured as the supervisor's (instanceRuntimeConfig),
   * so that attempt 1 runs exactly as the restarts will. Made once per service.
   */
  #starter(runtime: string, shared: SupervisorOrder['config']): Promise<ManagedDriver> {
    this.#starters ??= new RuntimeRegistry(instanceRuntimeConfig(shared));
    return this.#starters.driver(runtime);
  }

  /** Lets go of the drivers first starts went through (their workloads keep running). */
  async close(): Promise<void> {
    await this.#starters?.close();
    this.#starters = undefined;
  }

  /** The viewer's instances (all for an admin) whose name matches `pattern` (a glob, or an exact name). Stale ones are removed first. */
  async list(pattern = '*', opts: { owner?: string } = {}): Promise<InstanceView[]> {
    await this.#sweep();
    return (await this.#matching(pattern, opts.owner)).map(instanceView);
  }

  /** Stops every matching instance in parallel; BERTH_E_INSTANCE_NOT_FOUND when none matches. */
  async stop(pattern: string, opts: { signal: string; graceMs: number; owner?: string }, onEvent: (e: StopEvent) => void = () => {}): Promise<string[]> {
    const stopOpts: StopOptions = { signal: stopSignal(opts.signal), graceMs: opts.graceMs };
    await this.#sweep();
    const rows = await this.#matching(pattern, opts.owner);
    if (rows.length === 0) throw notFound(pattern);
    await Promise.all(rows.map(async (row) => stopInstance(row, stopOpts, { repo: this.#repo, driver: () => this.#driver(row.runtime), host: this.#host, onEvent })));
    return rows.map((r) => r.name);
  }

  /** One running instance by exact name (glob patterns must resolve to exactly one). */
  async find(pattern: string): Promise<InstanceView> {
    const found = await this.list(pattern);
    const own = found.filter((v) => v.owner === this.#user.name);
    const matches = own.length > 0 ? own : found;
    if (matches.length === 1) return matches[0]!;
    if (matches.length === 0) throw notFound(pattern);
    throw new BerthError('BERTH_E_INVALID_ARGUMENT', `query returned more than one instance (${matches.length})`, {
      problems: [{ path: 'NAME', message: `matches ${matches.map((m) => m.instance).join(', ')}`, fix: 'give one exact instance name' }],
    });
  }

  /** Runs argv next to / inside a running instance, with its environment (and BERTH_INSTANCE). */
  async exec(name: string, argv: string[], opts: { attach?: boolean; env?: Record<string, string> } = {}): Promise<ExecResult> {
    const { row, handle } = await this.#running(name);
    return (await this.#driver(row.runtime)).exec(handle, argv, { attach: opts.attach, env: { BERTH_INSTANCE: row.name, ...opts.env } });
  }

  /** The command the instance runs (for `berth run instance://NAME`): on container runtimes as resolved from the image. */
  async command(name: string): Promise<string[]> {
    const { row, handle } = await this.#running(name);
    const resolved = handle.state.command;
    return typeof resolved === 'string' ? (JSON.parse(resolved) as string[]) : (JSON.parse(row.command_json) as string[]);
  }

  async stats(name: string): Promise<{ instance: InstanceView; stats: WorkloadStats }> {
    const { row, handle } = await this.#running(name);
    return { instance: instanceView(row), stats: await (await this.#driver(row.runtime)).stats(handle) };
  }

  /** Where an instance's output goes: kept after stop and appended to by every later start of the name. */
  logPaths(name: string): { out: string; err: string } {
    const dir = join(this.#config.home, 'instances', 'logs', this.#user.name);
    return { out: join(dir, `${checkInstanceName(name)}.out`), err: join(dir, `${name}.err`) };
  }

  /** The instance's stdout and stderr so far; with follow, until the instance is gone. Works after stop too. */
  async logs(name: string, opts: { follow?: boolean; signal?: AbortSignal } = {}): Promise<AsyncIterable<LogPiece>> {
    // A running instance's own paths (an admin may read another user's); else the viewer's, kept after stop.
    const views = await this.list(checkInstanceName(name));
    const running = views.find((v) => v.owner === this.#user.name) ?? views[0];
    const paths = running ? { out: running.logOutPath, err: running.logErrPath } : this.logPaths(name);
    const stillRunning = async (): Promise<boolean> => (await this.list(name)).length > 0;
    return followInstanceLogs(paths, { follow: opts.follow ?? false, signal: opts.signal, running: stillRunning });
  }

  /** Rows the viewer may see whose name matches; `owner` (admins only) narrows them to one user's. */
  async #matching(pattern: string, owner: string | undefined): Promise<InstanceRow[]> {
    if (owner !== undefined && !this.#user.admin && owner !== this.#user.name) {
      throw new BerthError('BERTH_E_INVALID_ARGUMENT', "only root can act on another user's instances (--user)", {
        problems: [{ path: '--user', message: `you are ${this.#user.name}, not an admin`, fix: 'drop --user to see your own instances' }],
      });
    }
    return (await this.#repo.list(this.#user)).filter((r) => matchesInstance(r.name, pattern) && (owner === undefined || r.owner === owner));
  }

  async #running(name: string): Promise<{ row: InstanceRow; handle: WorkloadHandle }> {
    const view = await this.find(name);
    const row = (await this.#repo.list(this.#user)).find((r) => r.name === view.instance && r.owner === view.owner);
    if (!row?.handle_json) throw notFound(name);
    return { row, handle: JSON.parse(row.handle_json) as WorkloadHandle };
  }

  /** Removes stale rows of this host, stopping (and forgetting) whatever their workloads left running. */
  async #sweep(): Promise<void> {
    const stale = (await this.#repo.list(this.#user)).filter((row) => isStale(row, this.#host));
    await Promise.all(stale.map(async (row) => {
      const driver = await this.#driver(row.runtime);
      if (row.handle_json !== null) await driver.remove(JSON.parse(row.handle_json) as WorkloadHandle);
      else {
        // Its starter died between starting attempt 1 and recording it: found by label and id.
        const started = (await driver.list({ instance: row.name })).filter((h) => h.id.startsWith(`${row.id}-`));
        for (const handle of started) await driver.remove(handle);
      }
      await this.#repo.delete(row.id);
    }));
  }

  #driver(runtime: string): Promise<ManagedDriver> {
    return this.#runtimes.driver(runtime);
  }
}

function stopSignal(value: string): NodeJS.Signals {
  try {
    return parseSignal(value);
  } catch {
    throw new BerthError('BERTH_E_INVALID_ARGUMENT', `--signal ${value} is neither a signal name nor a signal number`, {
      problems: [{ path: '--signal', message: `unknown signal "${value}"`, fix: 'use a name such as INT, SIGTERM or a number such as 15' }],
    });
  }
}

function notFound(pattern: string): BerthError {
  return new BerthError('BERTH_E_INSTANCE_NOT_FOUND', `no instance found${pattern === '*' ? '' : ` with name ${pattern}`}`, {
    problems: [{ path: 'NAME', message: `no running instance matches "${pattern}"`, fix: 'see `berth instance list`' }],
  });
}
