import type { LogLevel } from '../log.ts';
import { availableParallelism, homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { BerthError } from '../errors.ts';
import { type KubeSettings, kubeSettings } from './kube-settings.ts';
import { ORCHEST_BASE_IMAGES } from '../core/orchest-base-images.ts';
import { advertiseUrlOf, hostIdOf } from './server-identity.ts';

export const RUNTIMES = ['process', 'docker', 'kubernetes'] as const;
export type RuntimeName = (typeof RUNTIMES)[number];

/** Everything Berth reads from its environment, parsed once. */
export interface BerthConfig {
  /** State folder: the SQLite store, run folders with logs, driver registries. */
  home: string;
  /** The SQLite file under home (used when `database` is SQLite). */
  dbPath: string;
  /** The store: SQLite under BERTH_HOME (default) or PostgreSQL when BERTH_DATABASE_URL is set. */
  database: StoreLocation;
  /**
   * How long a server's lease lasts without a heartbeat (BERTH_LEASE_SECONDS, default 15): a server
   * whose lease expired has its work taken over or ended by a survivor (PostgreSQL, several servers).
   */
  leaseMs: number;
  /** BERTH_HOST_ID (default the host name): this machine in "same host" decisions (server-identity.ts). */
  hostId: string;
  /** BERTH_ADVERTISE_URL: where other servers on the store reach this one (unset: from the listen address). */
  advertiseUrl: string | undefined;
  /**
   * BERTH_RUNTIME_DIR: where this home's records of live workloads are kept (unset: a folder of
   * this user's in /dev/shm where that is a private tmpfs, else under home; see live-state-dir.ts).
   */
  runtimeDir: string | undefined;
  /** The shared data folder steps see as /data (BERTH_DATA_DIR / ORCHEST_DATA_DIR on the process runtime). */
  dataDir: string;
  runtime: RuntimeName;
  /** Step parallelism when a pipeline's settings do not say (number of CPUs). */
  defaultParallelism: number;
  /** Grace period between the stop signal and SIGKILL when a run is cancelled. */
  stopGraceMs: number;
  /** The environment steps inherit (PATH, HOME, …) before Berth's own variables. */
  baseEnv: Record<string, string>;
  /** Disable colour in human output. */
  color: boolean;
  /**
   * How the process runtime starts workloads: `auto` uses the python3 launcher when python3 is on
   * PATH (cheaper per step), `shell` always uses the /bin/sh wrapper (BERTH_PROCESS_LAUNCHER).
   */
  processLauncher: 'auto' | 'shell';
  /**
   * BERTH_PROCESS_MOUNTS: `auto` gives each process-runtime step and service /data and /project-dir
   * in a mount namespace of its own where the host allows it; `off` runs them without (no per-step cost).
   */
  processMounts: 'auto' | 'off';
  /** BERTH_LOG_LEVEL: what Berth's own log (pino, JSON lines on stderr) shows in CLI commands; default error. The server logs at its --log-level on stdout. */
  logLevel: LogLevel;
  /** Running under CI (CI=true): tests that need Docker fail instead of skipping. */
  ci: boolean;
  /** How to reach the Docker Engine API (DOCKER_HOST; default the local unix socket). */
  docker: DockerConnection;
  /**
   * BERTH_PYTHON: the python3 of steps without an environment on the process runtime, and the base
   * interpreter of environments' virtual environments (unset: the first python3 on PATH).
   */
  python: string | undefined;
  /**
   * What image names of Orchest projects mean on Docker — environments' base images
   * (`orchest/base-kernel-py`, …) and services' images (`postgres`, `redis`, …): the default table
   * (ORCHEST_BASE_IMAGES) with BERTH_ORCHEST_IMAGES (`name=image,name=image`) over it.
   */
  orchestImages: Record<string, string>;
  /** Image for steps with neither an environment nor berth_image on the docker runtime (BERTH_DOCKER_IMAGE). */
  dockerDefaultImage: string;
  /** The kubernetes runtime: KUBECONFIG (unset: ~/.kube/config, else in-cluster) and the BERTH_KUBE_* settings. */
  kubernetes: { kubeconfig: string | undefined; settings: KubeSettings };
  /** BERTH_ADMIN_TOKEN: the server's admin token (only its hash is stored); unset = generated on first start. */
  adminToken: string | undefined;
  /** BERTH_ENDPOINT (+ BERTH_TOKEN): the CLI talks to this Berth server instead of an in-process engine. */
  remote: { endpoint: string; token: string | undefined } | undefined;
  /**
   * Concurrency limits (0 = unlimited): STARTED interactive runs (BERTH_MAX_INTERACTIVE_RUNS), job
   * runs (BERTH_MAX_JOB_RUNS) and environment builds (BERTH_MAX_BUILDS); the rest wait PENDING.
   */
  limits: { interactiveRuns: number; jobRuns: number; builds: number };
  /** The webhook dispatcher (BERTH_WEBHOOK_*). */
  webhooks: { timeoutMs: number; maxAttempts: number; concurrency: number; backoffBaseMs: number };
  /** How often the job scheduler looks for due jobs (BERTH_SCHEDULER_POLL_SECONDS). */
  schedulerPollMs: number;
  /** BERTH_WORKLOAD_USER: the unprivileged user a root server runs host workloads as (created on first use). */
  workloadUser: string;
  /**
   * BERTH_SINGLE_USER=1 (or `berth server --single-user`): the admin declares a single-user machine,
   * so host workloads run as the server's own user and project tokens may start them.
   */
  singleUser: boolean;
  /** Berth runs as root, so it can switch host workloads to workloadUser. */
  runningAsRoot: boolean;
  /**
   * Who the process runtime runs workloads as: `self` (Berth's user: the CLI, a single-user server)
   * or `workload-user` (a root server: BERTH_WORKLOAD_USER, one group per project). Set by the server.
   */
  hostWorkloads: 'self' | 'workload-user';
  /**
   * Jupyter in interactive sessions: BERTH_SESSION_JUPYTER=auto (default: started when the host has
   * Jupyter Server or JupyterLab) or off; BERTH_JUPYTER_PYTHON: the interpreter that has it (default:
   * the first of python3 on PATH and /usr/bin/python3 that can import jupyter_server);
   * BERTH_JUPYTER_IMAGE: the image Docker sessions run Jupyter Server from (none: no Jupyter there).
   * Kernels idle for BERTH_KERNEL_IDLE_CULL_SECONDS (default 3600; 0: never) are shut down by their
   * Jupyter server, those with a connected client (an open notebook tab) only with
   * BERTH_KERNEL_CULL_CONNECTED=1.
   */
  jupyter: { mode: 'auto' | 'off'; python: string | undefined; image: string | undefined; cull: { idleSeconds: number; connected: boolean } };
  /** Anonymised telemetry: off unless BERTH_TELEMETRY=on, then sent to BERTH_TELEMETRY_URL. */
  telemetry: { enabled: false } | { enabled: true; url: string };
}

/** Where the store lives: a SQLite file, or a PostgreSQL database several servers can share. */
export type StoreLocation = { dialect: 'sqlite'; path: string } | { dialect: 'postgres'; url: string };

/** A Docker Engine API endpoint: a unix socket or http(s)://host:port. `address` is for messages. */
export interface DockerConnection {
  address: string;
  socketPath?: string;
  host?: string;
  port?: number;
  protocol?: 'http' | 'https';
}

type Env = Record<string, string | undefined>;

export function loadConfig(env: Env = process.env): BerthConfig {
  const home = resolve(env.BERTH_HOME || join(env.HOME || homedir(), '.berth'));
  const runtime = env.BERTH_RUNTIME || 'process';
  if (!(RUNTIMES as readonly string[]).includes(runtime)) {
    throw new BerthError('BERTH_E_CONFIG', `BERTH_RUNTIME=${runtime} is not a runtime this build has (use one of: ${RUNTIMES.join(', ')})`, {
      problems: [{ path: 'BERTH_RUNTIME', message: `unknown runtime "${runtime}"`, fix: `set it to one of ${RUNTIMES.join(', ')}` }],
    });
  }
  return {
    home,
    dbPath: join(home, 'berth.db'),
    database: databaseOf(env.BERTH_DATABASE_URL, join(home, 'berth.db')),
    leaseMs: leaseSeconds(env) * 1000,
    hostId: hostIdOf(env),
    advertiseUrl: advertiseUrlOf(env),
    dataDir: resolve(env.BERTH_DATA_DIR || join(home, 'data')),
    runtimeDir: absoluteDir(env, 'BERTH_RUNTIME_DIR'),
    runtime: runtime as RuntimeName,
    defaultParallelism: availableParallelism(),
    stopGraceMs: seconds(env, 'BERTH_STOP_GRACE_SECONDS', 10) * 1000,
    baseEnv: inheritedEnv(env),
    color: !env.NO_COLOR && env.TERM !== 'dumb',
    ci: env.CI === 'true' || env.CI === '1',
    docker: dockerConnection(env.DOCKER_HOST),
    dockerDefaultImage: env.BERTH_DOCKER_IMAGE || 'python:3-slim',
    kubernetes: { kubeconfig: env.KUBECONFIG || undefined, settings: kubeSettings(env) },
    python: env.BERTH_PYTHON || undefined,
    orchestImages: orchestImages(env.BERTH_ORCHEST_IMAGES),
    processLauncher: oneOf(env, 'BERTH_PROCESS_LAUNCHER', ['auto', 'shell'] as const),
    processMounts: oneOf(env, 'BERTH_PROCESS_MOUNTS', ['auto', 'off'] as const),
    logLevel: oneOf(env, 'BERTH_LOG_LEVEL', ['error', 'fatal', 'warn', 'info', 'debug', 'trace', 'silent'] as const),
    adminToken: env.BERTH_ADMIN_TOKEN || undefined,
    remote: remoteOf(env),
    limits: {
      interactiveRuns: count(env, 'BERTH_MAX_INTERACTIVE_RUNS', 0),
      jobRuns: count(env, 'BERTH_MAX_JOB_RUNS', 4),
      builds: count(env, 'BERTH_MAX_BUILDS', 1),
    },
    webhooks: {
      timeoutMs: seconds(env, 'BERTH_WEBHOOK_TIMEOUT_SECONDS', 5) * 1000,
      maxAttempts: Math.max(1, count(env, 'BERTH_WEBHOOK_MAX_ATTEMPTS', 10)),
      concurrency: Math.max(1, count(env, 'BERTH_WEBHOOK_CONCURRENCY', 8)),
      backoffBaseMs: seconds(env, 'BERTH_WEBHOOK_BACKOFF_SECONDS', 2) * 1000,
    },
    schedulerPollMs: seconds(env, 'BERTH_SCHEDULER_POLL_SECONDS', 5) * 1000,
    telemetry: telemetry(env),
    jupyter: {
      mode: oneOf(env, 'BERTH_SESSION_JUPYTER', ['auto', 'off'] as const),
      python: env.BERTH_JUPYTER_PYTHON || undefined,
      image: env.BERTH_JUPYTER_IMAGE || undefined,
      cull: { idleSeconds: Math.round(seconds(env, 'BERTH_KERNEL_IDLE_CULL_SECONDS', 3600)), connected: flag(env, 'BERTH_KERNEL_CULL_CONNECTED') },
    },
    workloadUser: workloadUser(env),
    singleUser: flag(env, 'BERTH_SINGLE_USER'),
    runningAsRoot: process.geteuid?.() === 0,
    hostWorkloads: 'self',
  };
}

function absoluteDir(env: Env, name: string): string | undefined {
  const raw = env[name];
  if (!raw) return undefined;
  if (!isAbsolute(raw)) {
    throw new BerthError('BERTH_E_CONFIG', `${name}=${raw} is not an absolute path`, {
      problems: [{ path: name, message: 'must be an absolute path', fix: `e.g. ${name}=/run/berth, or unset it for the default` }],
    });
  }
  return resolve(raw);
}

function orchestImages(raw: string | undefined): Record<string, string> {
  const table: Record<string, string> = { ...ORCHEST_BASE_IMAGES };
  for (const pair of (raw ?? '').split(',').map((p) => p.trim()).filter(Boolean)) {
    const eq = pair.indexOf('=');
    const [name, image] = [pair.slice(0, eq).trim(), pair.slice(eq + 1).trim()];
    if (eq < 1 || !image || /\s/.test(image)) {
      throw new BerthError('BERTH_E_CONFIG', `BERTH_ORCHEST_IMAGES: "${pair}" is not name=image`, {
        problems: [{ path: 'BERTH_ORCHEST_IMAGES', message: `"${pair}" is not name=image`, fix: 'e.g. BERTH_ORCHEST_IMAGES=orchest/base-kernel-py=my-registry/py:1,orchest/base-kernel-r=my-registry/r:1' }],
      });
    }
    table[name] = image;
  }
  return table;
}

function flag(env: Env, name: string): boolean {
  const raw = (env[name] ?? '').toLowerCase();
  if (['', '0', 'false', 'no', 'off'].includes(raw)) return false;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  throw new BerthError('BERTH_E_CONFIG', `${name}=${env[name]} is not on or off`, {
    problems: [{ path: name, message: `unknown value "${env[name]}"`, fix: `set ${name}=1 or unset it` }],
  });
}

function workloadUser(env: Env): string {
  const name = env.BERTH_WORKLOAD_USER || 'berth-workload';
  if (/^[a-z_][a-z0-9_-]{0,30}$/.test(name) && name !== 'root') return name;
  throw new BerthError('BERTH_E_CONFIG', `BERTH_WORKLOAD_USER=${name} cannot be the workload user`, {
    problems: [{ path: 'BERTH_WORKLOAD_USER', message: 'must be an unprivileged user name (lower-case letters, digits, "_" and "-", not root)', fix: 'e.g. BERTH_WORKLOAD_USER=berth-workload' }],
  });
}

function count(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) {
    throw new BerthError('BERTH_E_CONFIG', `${name}=${raw} is not a whole number`, {
      problems: [{ path: name, message: 'must be a whole number, 0 or more', fix: `e.g. ${name}=${fallback}` }],
    });
  }
  return n;
}

function telemetry(env: Env): BerthConfig['telemetry'] {
  const mode = oneOf(env, 'BERTH_TELEMETRY', ['off', 'on'] as const);
  if (mode === 'off') return { enabled: false };
  const url = env.BERTH_TELEMETRY_URL ?? '';
  if (!/^https?:\/\/./.test(url)) {
    throw new BerthError('BERTH_E_CONFIG', 'BERTH_TELEMETRY=on needs BERTH_TELEMETRY_URL', {
      problems: [{ path: 'BERTH_TELEMETRY_URL', message: url ? `"${url}" is not an http(s) URL` : 'not set', fix: 'set the collector URL, or BERTH_TELEMETRY=off' }],
    });
  }
  return { enabled: true, url };
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly [T, ...T[]]): T {
  const raw = env[name] || allowed[0];
  if ((allowed as readonly string[]).includes(raw)) return raw as T;
  throw new BerthError('BERTH_E_CONFIG', `${name}=${raw} is not one of ${allowed.join(', ')}`, {
    problems: [{ path: name, message: `unknown value "${raw}"`, fix: `set it to one of ${allowed.join(', ')}, or unset it` }],
  });
}

/** DOCKER_HOST as Docker's CLI reads it: unix:///path, tcp://host:port (plain HTTP) or https://host:port. */
export function dockerConnection(raw: string | undefined): DockerConnection {
  if (!raw) return { address: 'unix:///var/run/docker.sock', socketPath: '/var/run/docker.sock' };
  if (raw.startsWith('unix://')) {
    const socketPath = raw.slice('unix://'.length) || '/var/run/docker.sock';
    return { address: `unix://${socketPath}`, socketPath };
  }
  const m = /^(tcp|http|https):\/\/([^:/]+)(?::(\d+))?\/?$/.exec(raw);
  if (!m) {
    throw new BerthError('BERTH_E_CONFIG', `DOCKER_HOST=${raw} is not an address Berth can use`, {
      problems: [{ path: 'DOCKER_HOST', message: 'must be unix:///path/to/docker.sock, tcp://host:port or https://host:port', fix: 'e.g. DOCKER_HOST=unix:///run/user/1000/podman/podman.sock' }],
    });
  }
  const protocol = m[1] === 'https' ? 'https' : 'http';
  return { address: raw, host: m[2], port: Number(m[3] ?? (protocol === 'https' ? 2376 : 2375)), protocol };
}

/** BERTH_DATABASE_URL (postgres://user@host:port/db) selects PostgreSQL; unset keeps SQLite under BERTH_HOME. */
export function databaseOf(raw: string | undefined, sqlitePath: string): StoreLocation {
  if (!raw) return { dialect: 'sqlite', path: sqlitePath };
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') || !url.hostname || url.pathname.length < 2) {
    // The value may hold a password: the message never repeats it.
    throw new BerthError('BERTH_E_CONFIG', 'BERTH_DATABASE_URL is not a PostgreSQL URL', {
      problems: [{ path: 'BERTH_DATABASE_URL', message: 'must be postgres://[user[:password]@]host[:port]/database', fix: 'e.g. BERTH_DATABASE_URL=postgres://berth@127.0.0.1:5432/berth, or unset it to use SQLite under BERTH_HOME' }],
    });
  }
  return { dialect: 'postgres', url: raw };
}

function leaseSeconds(env: Env): number {
  const n = seconds(env, 'BERTH_LEASE_SECONDS', 15);
  if (n < 1 || n > 300) {
    throw new BerthError('BERTH_E_CONFIG', `BERTH_LEASE_SECONDS=${env.BERTH_LEASE_SECONDS} is out of range`, {
      problems: [{ path: 'BERTH_LEASE_SECONDS', message: 'must be between 1 and 300 seconds', fix: 'e.g. BERTH_LEASE_SECONDS=15' }],
    });
  }
  return n;
}

function remoteOf(env: Env): BerthConfig['remote'] {
  const endpoint = env.BERTH_ENDPOINT;
  if (!endpoint) return undefined;
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    url = new URL('invalid:');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new BerthError('BERTH_E_CONFIG', `BERTH_ENDPOINT=${endpoint} is not an http(s) URL`, {
      problems: [{ path: 'BERTH_ENDPOINT', message: 'must be the URL of a Berth server', fix: 'e.g. BERTH_ENDPOINT=http://127.0.0.1:7420' }],
    });
  }
  return { endpoint: url.origin + url.pathname.replace(/\/+$/, ''), token: env.BERTH_TOKEN || undefined };
}

/** The configuration of this process's environment with some variables replaced (a child that must share its starter's home). */
export function loadConfigOverriding(overrides: Env): BerthConfig {
  return loadConfig({ ...process.env, ...overrides });
}

function seconds(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) {
    throw new BerthError('BERTH_E_CONFIG', `${name}=${raw} is not a number of seconds`, {
      problems: [{ path: name, message: 'must be a non-negative number', fix: `e.g. ${name}=10` }],
    });
  }
  return n;
}

/** Berth's own variables and credentials never leak into workloads through inheritance. */
function inheritedEnv(env: Env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) continue;
    if (k.startsWith('BERTH_') || k.startsWith('ORCHEST_')) continue;
    out[k] = v;
  }
  return out;
}
