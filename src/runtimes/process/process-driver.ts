import { mkdirSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { BerthError } from '../../errors.ts';
import type {
  DriverCapabilities,
  ExecOptions,
  ExecResult,
  ExitStatus,
  LogChunk,
  LogOptions,
  Mount,
  OwnerLabels,
  RuntimeDriver,
  WorkloadHandle,
  WorkloadSpec,
  WorkloadStats,
  HelperHealth,
} from '../driver.ts';
import { abortable } from '../abortable.ts';
import { readExitFile, writeExitFile } from './exit-file.ts';
import { isProcessAlive } from '../../leases/is-process-alive.ts';
import { parseSignal } from './parse-signal.ts';
import { processState, toHandle, type ProcessState } from './process-handle.ts';
import { groupStats } from './group-stats.ts';
import { runAttached } from './run-attached.ts';
import { runCaptured } from './run-captured.ts';
import { Launcher, type Launched } from './launcher-client.ts';
import { inMountNamespace, mountNamespaceSupport, probeMountNamespaceSupport, type MountSupport } from './mount-namespace.ts';
import { directInterpreter } from './find-python.ts';
import { dirname, join } from 'node:path';
import { stopGroup } from './stop-group.ts';
import { startUnderWrapper, type Started } from './start-under-wrapper.ts';
import { assertRunnable, unsupported } from './assert-runnable.ts';
import { tailFile } from './tail-file.ts';
import { WorkloadRegistry, type RegistryEntry } from './workload-registry.ts';
import type { WorkloadCredentials, WorkloadUser } from './workload-user.ts';

/** A workload this instance started: its end comes promptly and exactly from its parent. */
interface OwnChild {
  pid: number;
  exited: Promise<ExitStatus>;
  /** Stops this instance from keeping Node alive for the workload. */
  release: () => void;
}

/** How often adopted workloads are checked for their end. */
const POLL_MS = 50;
const LOG_IDLE_MS = 100;
const REMOVE_GRACE_MS = 2000;
/** How long an ended workload's parent may take to record its exit code. */
const RECORD_GRACE_MS = 250;
/** How long health says a helper was restarted. */
const HELPER_RECENT_MS = 60_000;

/**
 * Runs workloads as local process groups (Linux: liveness comes from /proc). Everything needed to
 * adopt a workload lives in `stateDir`, so a restarted Berth can wait for, stop and remove the
 * workloads of the one before it.
 */
export class ProcessDriver implements RuntimeDriver {
  readonly name = 'process';
  readonly capabilities: DriverCapabilities = { isolation: false, ports: false, volumes: false, exec: true, stats: true };
  readonly #registry: WorkloadRegistry;
  readonly #children = new Map<string, OwnChild>();
  /** Stops in progress (never rejecting): an end they cause is recorded once they settle. */
  readonly #stopping = new Map<string, Promise<void>>();
  /** Waits of #awaitEnd between polls, woken when this driver has stopped the workload. */
  readonly #wakers = new Map<string, Set<() => void>>();
  /**
   * Workloads whose group this driver saw end (until removed). A group without a live member never
   * gets one again, so stopping it again — a supervisor stops, stops again and removes — skips the
   * check, which scans /proc while an orphaned leader waits, a zombie, for a slow init to reap it.
   */
  readonly #ended = new Set<string>();

  readonly #python: string | undefined;
  /** The python3 that sets up mount namespaces (workloads with mounts), and their stage folder. */
  readonly #mountPython: string | undefined;
  readonly #mountStage: string;
  readonly #user: WorkloadUser | undefined;
  readonly #sharedPaths: string[];
  #launcherProcess: Launcher | undefined;
  /** When the launcher reaped each workload it started (ms since the epoch), until it is removed. */
  readonly #endedAt = new Map<string, number>();
  /** The mount probe warm started (see init). */
  #probing: Promise<void> | undefined;
  /** Settles once the latest startAfter's request is written to the launcher. */
  #armOrder: Promise<void> = Promise.resolve();
  /** The launcher's restarts (its worker's, or its own), for health. */
  #helper: { restarts: number; reason?: string; at?: number } = { restarts: 0 };

  /**
   * With `python` (a python3 executable), workloads are started by the launcher process
   * (launcher.py); without it, each runs under a /bin/sh wrapper spawned from Node.
   */
  /**
   * With `user`, every workload runs as that unprivileged user in its project's group, with
   * `spec.hostPaths` granted to the group and `sharedPaths` (the data folder) to every workload.
   * `mountPython` sets up mount namespaces (workloads with mounts) in a stage folder of the state folder.
   */
  constructor(opts: { stateDir: string; legacyStateDir?: string; python?: string; mountPython?: string; user?: WorkloadUser; sharedPaths?: string[] }) {
    this.#registry = new WorkloadRegistry(opts.stateDir, opts.legacyStateDir);
    this.#python = opts.python;
    this.#mountPython = opts.mountPython ?? opts.python;
    this.#mountStage = join(opts.stateDir, 'mount-root');
    this.#user = opts.user;
    this.#sharedPaths = opts.sharedPaths ?? [];
    if (this.#user && this.#python === undefined) {
      throw new BerthError('BERTH_E_CONFIG', `running workloads as ${this.#user.name} needs python3 (the process launcher switches the user)`, {
        problems: [{ path: 'BERTH_PROCESS_LAUNCHER', message: 'no python3 launcher', fix: 'install python3 and unset BERTH_PROCESS_LAUNCHER=shell' }],
      });
    }
  }

  /**
   * Whether workloads can have bind mounts here (a private mount namespace each, see
   * mount-namespace.py), and if not why.
   */
  mountSupport(): MountSupport {
    return mountNamespaceSupport(this.#mountPython, this.#mountStage);
  }

  /**
   * An interactive command (an environment shell) prepared as a workload of `project` would run:
   * inside a mount namespace with `mounts` in place (when this host allows it; else mounts are
   * dropped and `mounted` is false), and as the workload user in the project's group on a root
   * server (through util-linux's setpriv, after its folders are opened to that group).
   */
  interactiveCommand(opts: { project: string; cwd: string; mounts: Mount[]; hostPaths: string[]; command: string[] }): { command: string[]; mounted: boolean } {
    let command = opts.command;
    if (this.#user) {
      const c = this.#credentialsFor(opts.project, opts.hostPaths);
      command = ['setpriv', `--reuid=${c.uid}`, `--regid=${c.gid}`, `--groups=${c.groups.join(',')}`, '--', ...command];
    }
    const mounted = opts.mounts.length > 0 && this.mountSupport().ok;
    if (mounted) command = inMountNamespace(this.#mountPython!, this.#mountStage, opts.cwd, opts.mounts, command);
    return { command, mounted };
  }

  /** The user and group a workload of `project` runs as on a root server (undefined: Berth's own user). */
  workloadOwner(project: string): { uid: number; gid: number } | undefined {
    if (!this.#user) return undefined;
    const c = this.#user.credentials(project);
    return { uid: c.uid, gid: c.gid };
  }

  async init(): Promise<void> {
    this.#registry.ensureDir();
    // A probe warm started is awaited here, so that mountSupport (asked synchronously) has its answer.
    await this.#probing;
  }

  /**
   * Starts in the background what the next workloads need, while the caller does other work: the
   * launcher and the mount probe (each a Python start). Nothing waits for them here.
   */
  warm(): void {
    this.#probing ??= probeMountNamespaceSupport(this.#mountPython, this.#mountStage).then(() => undefined);
    if (this.#python !== undefined) this.#launcher(this.#python);
  }

  async start(spec: WorkloadSpec, signal?: AbortSignal): Promise<WorkloadHandle> {
    signal?.throwIfAborted();
    const ready = await this.#unstarted(spec);
    if ('existing' in ready) return toHandle(ready.existing);
    const { unstarted } = ready;
    spec = ready.spec;
    const started = await this.#spawn(spec, unstarted);
    const entry = this.#own(unstarted, started);
    if (!started.recorded) {
      try {
        this.#registry.write(entry);
      } catch (e) {
        killGroup(entry.pgid);
        throw new BerthError('BERTH_E_DRIVER', `could not record workload ${spec.id} in ${this.#registry.dir}: ${String(e)}`, { cause: e });
      }
      started.onRecorded();
    }
    return toHandle(entry);
  }

  /** See RuntimeDriver.startAfter: the launcher starts it, with no round trip through Node. Any problem: null. */
  async startAfter(afterId: string, spec: WorkloadSpec): Promise<{ handle: WorkloadHandle; startedAt: number } | null> {
    const launcher = this.#launcherProcess;
    if (this.#python === undefined || launcher === undefined || launcher.lost !== undefined) return null;
    // Requests reach the launcher in call order: a chain's next link names one asked for before it.
    const turn = this.#armOrder;
    let sent = (): void => undefined;
    this.#armOrder = new Promise<void>((resolve) => (sent = resolve));
    try {
      await turn;
      const ready = await this.#unstarted(spec);
      if ('existing' in ready) return null;
      const armed = launcher.arm(afterId, ready.spec, ready.unstarted.exitFile, this.#record(ready.spec, ready.unstarted), this.#userFor(ready.spec));
      sent();
      const launched = await armed;
      return launched ? { handle: toHandle(this.#own(ready.unstarted, this.#fromLauncher(launched))), startedAt: launched.startedAt } : null;
    } catch {
      return null;
    } finally {
      sent();
    }
  }

  /** When the launcher reaped this workload (ms since the epoch), for workloads it started and saw end. */
  endedAt(handle: WorkloadHandle): number | undefined {
    return this.#endedAt.get(handle.id);
  }

  /** Drops a startAfter not yet started (it resolves with null; one already started resolves with its handle). */
  cancelStartAfter(id: string): void {
    this.#launcherProcess?.disarm(id);
  }

  /** The spec as it will run and its registry entry without the process, or the entry of a workload with this id that exists. */
  async #unstarted(spec: WorkloadSpec): Promise<{ existing: RegistryEntry } | { spec: WorkloadSpec; unstarted: UnstartedEntry }> {
    assertRunnable(spec);
    if (spec.mounts !== undefined && spec.mounts.length > 0) spec = this.#inMountNamespace(spec);
    const existing = this.#registry.read(spec.id);
    if (existing) return { existing };
    // An exit file left by an earlier workload of this id must not be read as this one's end: the
    // launcher empties it before it answers; the wrapper's start removes it (see #spawn).
    const exitFile = this.#registry.exitPath(spec.id);
    const unstarted: UnstartedEntry = { id: spec.id, labels: spec.labels, logPath: spec.logPath, command: spec.command, cwd: spec.cwd, env: spec.env, exitFile, createdAt: new Date().toISOString() };
    return { spec, unstarted };
  }

  /** The registry entry of a workload this driver started, watched as its own child from now on. */
  #own(unstarted: UnstartedEntry, started: Started): RegistryEntry {
    const entry: RegistryEntry = { ...unstarted, pid: started.pid, pgid: started.pgid, startTime: started.startTime, wrapped: started.wrapped };
    this.#children.set(entry.id, { pid: entry.pid, exited: started.exited(entry), release: started.release });
    return entry;
  }

  async wait(handle: WorkloadHandle, signal?: AbortSignal): Promise<ExitStatus> {
    const state = processState(handle);
    const own = this.#ownChild(handle.id, state);
    if (own) return abortable(own.exited, signal);
    return this.#awaitEnd(handle.id, state, signal);
  }

  /** Watches a workload whose parent is not this instance: the exit file, else its process. */
  async #awaitEnd(id: string, state: ProcessState, signal?: AbortSignal): Promise<ExitStatus> {
    for (;;) {
      const recorded = readExitFile(state.exitFile);
      if (recorded) return recorded;
      if (!isProcessAlive(state.pid, state.startTime)) {
        // A stop in progress records the end it caused. The wrapper writes the exit file before it
        // exits; the launcher writes it just after it reaps the workload, so give it a moment.
        await this.#stopping.get(id);
        for (let waited = 0; waited < RECORD_GRACE_MS && !readExitFile(state.exitFile); waited += 10) await delay(10);
        return readExitFile(state.exitFile) ?? {
          code: null,
          signal: null,
          reason: `workload vanished: process ${state.pid} ended without recording an exit code (killed outside Berth, or its pid was reused)`,
        };
      }
      await abortable(this.#pause(id), signal);
    }
  }

  /** POLL_MS, cut short when this driver stops the workload (its end is then seen at once). */
  #pause(id: string): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#wakers.get(id)?.delete(done);
        resolve();
      };
      const timer = setTimeout(done, POLL_MS);
      const wakers = this.#wakers.get(id) ?? new Set<() => void>();
      wakers.add(done);
      this.#wakers.set(id, wakers);
    });
  }

  async stop(handle: WorkloadHandle, opts: { signal?: string; graceMs: number }): Promise<void> {
    const signal = parseSignal(opts.signal);
    const state = processState(handle);
    const stopping = this.#stopAndRecord(handle.id, state, signal, opts.graceMs);
    const settled = stopping.then(
      () => undefined,
      () => undefined,
    );
    this.#stopping.set(handle.id, settled);
    try {
      await stopping;
    } finally {
      if (this.#stopping.get(handle.id) === settled) this.#stopping.delete(handle.id);
      const wakers = this.#wakers.get(handle.id);
      this.#wakers.delete(handle.id);
      for (const wake of wakers ?? []) wake();
    }
  }

  logs(handle: WorkloadHandle, opts: LogOptions = {}): AsyncIterable<LogChunk> {
    const state = processState(handle);
    const exited = this.#ownChild(handle.id, state)?.exited;
    const pause = (): Promise<unknown> => (exited ? Promise.race([delay(LOG_IDLE_MS), exited]) : delay(LOG_IDLE_MS));
    return tailFile(handle.logPath, {
      follow: opts.follow ?? false,
      signal: opts.signal,
      ended: () => !isProcessAlive(state.pid, state.startTime),
      idle: () => abortable(pause(), opts.signal).then(
        () => undefined,
        () => undefined,
      ),
    });
  }

  async exec(handle: WorkloadHandle, argv: string[], opts: ExecOptions = {}): Promise<ExecResult> {
    const entry = this.#registry.read(handle.id);
    if (!entry) {
      throw new BerthError('BERTH_E_WORKLOAD_NOT_FOUND', `workload ${handle.id} is not in the process driver's registry at ${this.#registry.dir} (removed?)`, {
        details: { id: handle.id },
      });
    }
    const run = opts.attach ? runAttached : runCaptured;
    return run(argv, { cwd: opts.cwd ?? entry.cwd, env: { ...entry.env, ...opts.env }, timeoutMs: opts.timeoutMs });
  }

  /** Sums the workload's process group from /proc; a workload that no longer runs reports zeros. */
  async stats(handle: WorkloadHandle): Promise<WorkloadStats> {
    const state = processState(handle);
    const stats = groupStats(state.pgid);
    return isProcessAlive(state.pid, state.startTime) ? stats : { ...stats, cpuSeconds: 0, memoryBytes: 0, blockReadBytes: 0, blockWriteBytes: 0, pids: 0 };
  }

  async list(owner: OwnerLabels): Promise<WorkloadHandle[]> {
    return this.#registry.list().filter((entry) => hasLabels(entry.labels, owner)).map(toHandle);
  }

  async isRunning(handle: WorkloadHandle): Promise<boolean> {
    const state = processState(handle);
    return isProcessAlive(state.pid, state.startTime);
  }

  async remove(handle: WorkloadHandle): Promise<void> {
    // Stopping an ended workload still clears stragglers of its group; it is cheap when none are left.
    await this.stop(handle, { graceMs: REMOVE_GRACE_MS });
    await this.#registry.delete(handle.id);
    this.#endedAt.delete(handle.id);
    this.#ended.delete(endedKey(handle.id, processState(handle)));
  }

  /**
   * The process launcher's state: `down` while it is dead and not yet replaced (the next workload
   * starts a new one), `restarted` for a minute after it was replaced.
   */
  helpers(now = Date.now()): HelperHealth[] {
    if (this.#python === undefined) return [];
    const lost = this.#launcherProcess?.lost;
    const recent = this.#helper.at !== undefined && now - this.#helper.at < HELPER_RECENT_MS;
    const state: HelperHealth['state'] = lost ? 'down' : recent ? 'restarted' : 'ok';
    const reason = lost ?? (recent ? this.#helper.reason : undefined);
    return [{ name: 'process-launcher', state, restarts: this.#helper.restarts, ...(reason ? { reason } : {}) }];
  }

  /** Lets this Node process exit while workloads run on: they stay adoptable from the registry. */
  async destroy(): Promise<void> {
    for (const { release } of this.#children.values()) release();
    this.#launcherProcess?.release();
  }

  /** The spec with its command run inside a mount namespace of its own where its mounts are in place. */
  #inMountNamespace(spec: WorkloadSpec): WorkloadSpec {
    const support = this.mountSupport();
    if (!support.ok) throw unsupported('mounts', `the process runtime cannot mount ${spec.mounts!.map((m) => m.target).join(', ')} here: ${support.reason}`);
    return { ...spec, command: inMountNamespace(support.python, this.#mountStage, spec.cwd, spec.mounts!, spec.command), mounts: undefined };
  }

  async #spawn(spec: WorkloadSpec, unstarted: UnstartedEntry): Promise<Started> {
    const { exitFile } = unstarted;
    if (this.#python === undefined) return startUnderWrapper(spec, exitFile, (id, pid) => this.#forget(id, pid));
    // The launcher writes the registry entry before it answers: no moment in which a workload runs
    // unrecorded, even if this Berth dies right after asking.
    return this.#fromLauncher(await this.#launcher(this.#python).launch(spec, unstarted.exitFile, this.#record(spec, unstarted), this.#userFor(spec)));
  }

  /** The launcher, started on first use (or by warm) and replaced when it went away. */
  #launcher(python: string): Launcher {
    if (this.#launcherProcess?.lost) {
      // Replaced, never left dead: workloads it started are watched through their exit files.
      this.#helper = { ...this.#helper, restarts: this.#helper.restarts + 1, reason: this.#launcherProcess.lost, at: Date.now() };
      this.#launcherProcess.release();
      this.#launcherProcess = undefined;
    }
    if (!this.#launcherProcess) {
      this.#registry.ensureDir();
      // The interpreter behind a python3 shim (pyenv's runs three bash scripts first): asked once per process, also used by the mount probe.
      this.#launcherProcess = new Launcher(directInterpreter(python), this.#registry.launcherLogPath(), {
        registryDir: this.#registry.dir,
        onRestart: (reason) => (this.#helper = { restarts: this.#helper.restarts + 1, reason, at: Date.now() }),
      });
    }
    return this.#launcherProcess;
  }

  #record(spec: WorkloadSpec, unstarted: UnstartedEntry): { path: string; entry: object } {
    return { path: this.#registry.entryPath(spec.id), entry: { ...withoutEnv(unstarted), wrapped: false } };
  }

  #userFor(spec: WorkloadSpec): WorkloadCredentials | undefined {
    return this.#user ? this.#credentialsFor(spec.labels.project, spec.hostPaths ?? [], spec.logPath) : undefined;
  }

  #fromLauncher(launched: Launched): Started {
    return {
      ...launched,
      wrapped: false,
      recorded: true,
      onRecorded: () => undefined,
      release: () => undefined,
      exited: (entry) =>
        launched.exited.then((end) => {
          this.#forget(entry.id, entry.pid);
          if (end?.at !== undefined) {
            this.#endedAt.set(entry.id, end.at);
            if (this.#endedAt.size > ENDED_KEPT) this.#endedAt.delete(this.#endedAt.keys().next().value!);
          }
          // The launcher went away before the workload: watch it like an adopted one.
          return end?.status ?? this.#awaitEnd(entry.id, processState(toHandle(entry)));
        }),
    };
  }

  /** The workload's credentials, after its folders are opened to its project's group. */
  #credentialsFor(project: string | undefined, hostPaths: string[], logPath?: string): WorkloadCredentials {
    const user = this.#user!;
    user.grant(undefined, this.#sharedPaths.map((p) => (mkdirSync(p, { recursive: true }), p)));
    // Only the folders Berth names (project, run, outputs): never a working directory given from outside.
    const granted = [...new Set(hostPaths)].map((p) => (mkdirSync(p, { recursive: true }), p));
    user.grant(project, granted);
    // The log's folder inside a granted one (a run's logs): the launcher writes there as root, so workloads must not be able to change it.
    if (logPath !== undefined) {
      const logs = dirname(logPath);
      if (granted.some((p) => dirname(logs) === p)) user.protect(project, logs);
    }
    return user.credentials(project);
  }

  #forget(id: string, pid: number): void {
    if (this.#children.get(id)?.pid === pid) this.#children.delete(id);
  }

  #ownChild(id: string, state: ProcessState): OwnChild | undefined {
    const own = this.#children.get(id);
    return own?.pid === state.pid ? own : undefined;
  }

  async #stopAndRecord(id: string, state: ProcessState, signal: NodeJS.Signals, graceMs: number): Promise<void> {
    const key = endedKey(id, state);
    if (this.#ended.has(key)) return;
    const endedBy = await stopGroup(state, signal, graceMs);
    this.#ended.add(key);
    // Bounded (workloads stopped but never removed): forgetting one only costs a check again.
    if (this.#ended.size > ENDED_KEPT) this.#ended.delete(this.#ended.values().next().value!);
    const own = this.#ownChild(id, state);
    if (own) {
      // The parent records the exact end from the 'exit' event, which follows the group's end closely.
      await own.exited;
      return;
    }
    if (endedBy && !readExitFile(state.exitFile)) writeExitFile(state.exitFile, { code: null, signal: endedBy });
  }
}

function hasLabels(labels: OwnerLabels, owner: OwnerLabels): boolean {
  return Object.entries(owner).every(([key, value]) => value === undefined || labels[key as keyof OwnerLabels] === value);
}

/** How many ended groups a driver remembers (see #ended). */
const ENDED_KEPT = 1_000;

/** One workload's group: its id, and its leader's pid and start time (a pid is reused; this pair is not). */
function endedKey(id: string, state: ProcessState): string {
  return `${id}:${state.pid}:${state.startTime}`;
}

function killGroup(pgid: number): void {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** A registry entry before the workload's process exists. */
type UnstartedEntry = Omit<RegistryEntry, 'pid' | 'pgid' | 'startTime'>;

/** The launcher records the entry with the request's environment: sent once per workload, not twice (~half the request). */
function withoutEnv(entry: UnstartedEntry): Omit<UnstartedEntry, 'env'> {
  const rest: Partial<UnstartedEntry> = { ...entry };
  delete rest.env;
  return rest as Omit<UnstartedEntry, 'env'>;
}
