import { availableParallelism, homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { BerthError } from '../errors.ts';

export const RUNTIMES = ['process'] as const;
export type RuntimeName = (typeof RUNTIMES)[number];

/** Everything Berth reads from its environment, parsed once. */
export interface BerthConfig {
  /** State folder: the SQLite store, run folders with logs, driver registries. */
  home: string;
  dbPath: string;
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
  /** BERTH_ADMIN_TOKEN: the server's admin token (only its hash is stored); unset = generated on first start. */
  adminToken: string | undefined;
  /** BERTH_ENDPOINT (+ BERTH_TOKEN): the CLI talks to this Berth server instead of an in-process engine. */
  remote: { endpoint: string; token: string | undefined } | undefined;
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
    dataDir: resolve(env.BERTH_DATA_DIR || join(home, 'data')),
    runtime: runtime as RuntimeName,
    defaultParallelism: availableParallelism(),
    stopGraceMs: seconds(env, 'BERTH_STOP_GRACE_SECONDS', 10) * 1000,
    baseEnv: inheritedEnv(env),
    color: !env.NO_COLOR && env.TERM !== 'dumb',
    adminToken: env.BERTH_ADMIN_TOKEN || undefined,
    remote: remoteOf(env),
  };
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
