/**
 * The runtime seam. Steps, services and instances are all workloads: a command in an environment
 * with env vars, mounts, ports and owner labels. Vendor-free: no dockerode or Kubernetes type here.
 */

/** Who a workload belongs to. Every key is optional; `list` matches on the keys given. */
export interface OwnerLabels {
  project?: string;
  pipeline?: string;
  session?: string;
  run?: string;
  step?: string;
  service?: string;
  instance?: string;
  /** Which Berth installation created it (BERTH_HOME hash), so two installations never adopt each other's work. */
  installation?: string;
}

export interface Mount {
  /** Host path for a bind (the default); the volume's name for a named volume, which outlives the workload. */
  source: string;
  type?: 'bind' | 'volume';
  /** Path inside the workload. */
  target: string;
  readOnly?: boolean;
}

export interface WorkloadSpec {
  /** Stable identity. `start` is idempotent on it: a second start adopts the existing workload. */
  id: string;
  /** argv; the first element is the program. */
  command: string[];
  /** Working directory (host path for the process driver, container path otherwise; empty: the image's). */
  cwd: string;
  /** Complete environment for the workload (the driver adds nothing but what it documents). */
  env: Record<string, string>;
  labels: OwnerLabels;
  /** Image for isolating drivers; the process driver accepts only undefined or "host". */
  image?: string;
  mounts?: Mount[];
  /** Ports the workload listens on; isolating drivers publish each on 127.0.0.1 (handle.state `port:<n>` = host port). */
  ports?: number[];
  /** Publish each of `ports` on the same port number of 127.0.0.1 (start fails when it is taken) instead of one the engine picks. */
  samePortsOnHost?: boolean;
  /**
   * Isolating drivers: run the image's own entrypoint with `command` as its arguments, and the image's
   * default arguments when `command` is empty (`docker run IMAGE [ARGS]`). Otherwise `command` replaces both.
   */
  imageEntrypoint?: boolean;
  /** A network shared with other workloads (created on first use), reachable there by `aliases`. */
  network?: { name: string; aliases?: string[] };
  /** Resource limits (Docker's NanoCpus and Memory; Kubernetes limits); the process driver refuses them. */
  limits?: WorkloadLimits;
  /**
   * What the workload reserves: Kubernetes requests (the scheduler places it where they fit). Docker
   * and the process driver ignore them (one host: nothing to place).
   */
  requests?: WorkloadLimits;
  /**
   * GPUs: Kubernetes requests and limits `nvidia.com/gpu`. Docker and the process driver do not
   * allocate GPUs and ignore it (the project check says so for gpu_support environments).
   */
  gpus?: number;
  /** Run as this "uid:gid" (isolating drivers), so files written to mounts stay the project owner's. */
  user?: string;
  /**
   * Host folders the workload reads and writes (the process driver: project folder, outputs, run
   * folder). A process driver that runs workloads as an unprivileged user grants them to the
   * workload's project group; other drivers ignore it (they mount what they need).
   */
  hostPaths?: string[];
  /** Where stdout+stderr are appended (host path). Drivers that keep their own logs may also write here. */
  logPath: string;
  /** When set, stderr is appended here instead (host path) and logPath gets stdout only. */
  errLogPath?: string;
  /** Restart the workload when it ends (drivers that restart natively; others leave it to their caller). */
  restart?: RestartPolicyName;
}

/** no: never; on-failure: after a non-zero exit; always: after any end except a stop. */
export type RestartPolicyName = 'no' | 'on-failure' | 'always';

/** none: the workload defines no health check; the rest as Docker's HEALTHCHECK reports it. */
export type WorkloadHealth = 'none' | 'starting' | 'healthy' | 'unhealthy';

/** Opaque, serialisable driver state: the store persists it so a restarted Berth can adopt the workload. */
export interface WorkloadHandle {
  id: string;
  driver: string;
  labels: OwnerLabels;
  logPath: string;
  state: Record<string, string | number | boolean | null>;
}

/** A helper process a driver depends on (the process launcher), for /api/health. */
export interface HelperHealth {
  name: string;
  /** ok; restarted (in the last minute); down (dead, replaced on next use). */
  state: 'ok' | 'restarted' | 'down';
  restarts: number;
  reason?: string;
}

export interface ExitStatus {
  /** Exit code, or null when the workload ended by a signal or its end could not be observed. */
  code: number | null;
  /** Terminating signal name, if any (e.g. "SIGTERM"). */
  signal: string | null;
  /** Set when the driver could not observe the end (e.g. adopted workload that vanished). */
  reason?: string;
}

export interface LogOptions {
  /** Keep streaming until the workload ends. */
  follow?: boolean;
  /** Abort a follow early. */
  signal?: AbortSignal;
}

export interface LogChunk {
  data: string;
}

export interface ExecOptions {
  env?: Record<string, string>;
  cwd?: string;
  timeoutMs?: number;
  /** Connect the command to the caller's stdin/stdout/stderr (a terminal too) instead of capturing: the result's stdout and stderr are empty. */
  attach?: boolean;
}

export interface ExecResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** CPUs (fractions allowed) and memory (bytes): an instance's `--cpus`/`--memory`, a step's or service's berth_resources. */
export interface WorkloadLimits {
  cpus?: number;
  memoryBytes?: number;
}

/** Cumulative resource use of a running workload (every process of it). */
export interface WorkloadStats {
  /** CPU time used so far (user + system), in seconds. */
  cpuSeconds: number;
  memoryBytes: number;
  /** The memory limit, or the host's memory when there is none. */
  memoryLimitBytes: number;
  /** Whether memoryLimitBytes is a limit set on the workload (else the host's memory). */
  memoryLimited: boolean;
  /** The CPU limit in CPUs, or null when there is none. */
  cpuLimit: number | null;
  blockReadBytes: number;
  blockWriteBytes: number;
  pids: number;
}

export interface DriverCapabilities {
  /** Workloads are isolated from the host (containers) — false for local processes. */
  isolation: boolean;
  /** Ports can be published/mapped. */
  ports: boolean;
  /** Mounts are honoured. */
  volumes: boolean;
  exec: boolean;
  stats: boolean;
  /** Workloads are restarted by the backend itself after setRestartPolicy / spec.restart. */
  restart?: boolean;
  /**
   * The restart policy is part of what the workload is (kubernetes: a Job, or a Deployment that
   * restarts): setRestartPolicy cannot change it later, so callers start with the final policy.
   */
  restartFixedAtStart?: boolean;
  /** The backend fetches images itself where it runs them (a cluster's nodes): Berth pulls none locally. */
  pullsImages?: boolean;
}

export interface RuntimeDriver {
  readonly name: string;
  readonly capabilities: DriverCapabilities;
  /** Called once before any other method (ManagedDriver guarantees it). */
  init(signal?: AbortSignal): Promise<void>;
  /** Starts, in the background, helpers the next workloads will need (drivers without any leave it out). Never throws. */
  warm?(): void;
  /** Starts the workload and returns once it runs. Idempotent on spec.id: adopts an existing workload. */
  start(spec: WorkloadSpec, signal?: AbortSignal): Promise<WorkloadHandle>;
  /**
   * Starts `spec` the moment workload `afterId` exits with code 0, with no round trip through the
   * caller. `afterId` is a workload this driver started that still runs, or one given to startAfter
   * before (chains: each call's request reaches the driver in call order). Resolves with the handle
   * once it runs, or null when it will not be started this way: `afterId` failed, could not start,
   * was not known, or cancelStartAfter (what was armed after a null one is null too); the caller
   * then starts it as usual; `startedAt` is when it started (ms since the epoch). Drivers that
   * cannot leave it out, with cancelStartAfter.
   */
  startAfter?(afterId: string, spec: WorkloadSpec): Promise<{ handle: WorkloadHandle; startedAt: number } | null>;
  /**
   * When the driver saw the workload end (ms since the epoch), on the clock that also timed
   * startAfter's `startedAt`; undefined when it does not know. Drivers without startAfter leave it out.
   */
  endedAt?(handle: WorkloadHandle): number | undefined;
  /** Drops a startAfter not yet started: it resolves with null (or with the handle, if it started meanwhile). */
  cancelStartAfter?(id: string): void;
  /** Resolves when the workload has ended. Works on adopted handles too. */
  wait(handle: WorkloadHandle, signal?: AbortSignal): Promise<ExitStatus>;
  /** Sends `signal` (default SIGTERM) to the whole workload, then kills it after graceMs. Idempotent. */
  stop(handle: WorkloadHandle, opts: { signal?: string; graceMs: number }): Promise<void>;
  /** Output so far (and, with follow, until the end). */
  logs(handle: WorkloadHandle, opts?: LogOptions): AsyncIterable<LogChunk>;
  /** Runs a command next to / inside the running workload. */
  exec(handle: WorkloadHandle, argv: string[], opts?: ExecOptions): Promise<ExecResult>;
  /** Workloads that exist (running or ended but not removed) whose labels include all of `owner`. */
  list(owner: OwnerLabels): Promise<WorkloadHandle[]>;
  /** Whether the workload is still running (cheap; used by reconcile). */
  isRunning(handle: WorkloadHandle): Promise<boolean>;
  /** Changes a running workload's restart policy (drivers that restart natively; others leave it out). */
  setRestartPolicy?(handle: WorkloadHandle, policy: RestartPolicyName): Promise<void>;
  /** The workload's own health check (an image HEALTHCHECK); drivers without one leave it out. */
  health?(handle: WorkloadHandle): Promise<WorkloadHealth>;
  /** Resource use of a running workload; drivers without capabilities.stats leave it out. */
  stats?(handle: WorkloadHandle): Promise<WorkloadStats>;
  /** Forgets an ended workload (its registry entry / container). Stops it first if it still runs. */
  remove(handle: WorkloadHandle): Promise<void>;
  /** The driver's helper processes and whether they are alive (drivers without any leave it out). */
  helpers?(): HelperHealth[];
  destroy(): Promise<void>;
}
