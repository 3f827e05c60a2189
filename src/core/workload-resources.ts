import { BerthError, type Problem } from '../errors.ts';
import { describeJsonType, isJsonObject } from './json-object.ts';

/** CPUs (fractions allowed) and memory in bytes. */
export interface ResourceAmounts {
  cpus?: number;
  memoryBytes?: number;
}

/**
 * A step's or service's `berth_resources`, read: what the workload reserves (`requests`), what it
 * may use at most (`limits`) and how many GPUs it gets. The shape of WorkloadSpec's requests,
 * limits and gpus.
 */
export interface WorkloadResources {
  requests?: ResourceAmounts;
  limits?: ResourceAmounts;
  gpus?: number;
}

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 };
/** Docker's smallest memory limit (the docker runtime refuses less). */
export const MIN_MEMORY_LIMIT_BYTES = 6 * 2 ** 20;
const EXAMPLE = '"berth_resources": {"requests": {"cpus": 0.5, "memory": "1g"}, "limits": {"cpus": 2, "memory": "4g"}, "gpus": 1}';

/**
 * A memory size: a number of bytes, or a string with a unit k, m, g or t — powers of 1024 as in
 * Docker's `--memory` ("512m", "1.5g", "2Gi", "2GiB") — or null when it is none of these.
 */
export function parseMemorySize(value: unknown): number | null {
  if (typeof value === 'number') return Number.isInteger(value) && value > 0 ? value : null;
  if (typeof value !== 'string') return null;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(?:([kmgt])i?b?|b)?\s*$/i.exec(value);
  if (!m) return null;
  const bytes = Math.floor(Number(m[1]) * SIZE_UNITS[(m[2] ?? '').toLowerCase()]!);
  return bytes > 0 ? bytes : null;
}

/**
 * Checks `berth_resources` (of a step or a service at `at()`) and returns it read, or undefined
 * when absent or wrong (each problem goes to `add`, naming the field and the fix):
 * - `requests` / `limits`: {"cpus": number > 0, "memory": size}; a limit's memory at least 6m;
 *   a request at most its limit;
 * - `gpus`: a whole number ≥ 0 (0 turns off the one GPU a gpu_support environment gives).
 */
export function checkWorkloadResources(raw: unknown, at: (...segments: Array<string | number>) => string, add: (path: string, message: string, fix: string) => void): WorkloadResources | undefined {
  if (raw === undefined) return undefined;
  if (!isJsonObject(raw)) {
    add(at('berth_resources'), `must be an object, not ${describeJsonType(raw)}`, `write ${EXAMPLE}`);
    return undefined;
  }
  const before = { count: 0 };
  const note = (path: string, message: string, fix: string): void => {
    before.count++;
    add(path, message, fix);
  };
  const out: WorkloadResources = {};
  for (const [key, value] of Object.entries(raw)) {
    if (key === 'requests' || key === 'limits') {
      const amounts = readAmounts(value, key, (...s) => at('berth_resources', key, ...s), note);
      if (amounts) out[key] = amounts;
    } else if (key === 'gpus') {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) note(at('berth_resources', 'gpus'), `${JSON.stringify(value)} is not a whole number of GPUs`, 'e.g. "gpus": 1 (0: none)');
      else out.gpus = value;
    } else {
      note(at('berth_resources', key), `"${key}" is not a resource field`, 'use "requests", "limits" and "gpus"');
    }
  }
  for (const field of ['cpus', 'memoryBytes'] as const) {
    const request = out.requests?.[field];
    const limit = out.limits?.[field];
    if (request !== undefined && limit !== undefined && request > limit) {
      const name = field === 'cpus' ? 'cpus' : 'memory';
      note(at('berth_resources', 'requests', name), `the request (${request}) is above the limit (${limit})`, `request at most the limit, or raise "limits"."${name}"`);
    }
  }
  return before.count === 0 ? out : undefined;
}

/** `berth_resources` read, throwing BERTH_E_INVALID_PIPELINE naming each problem (for definitions not validated on load). */
export function workloadResources(raw: unknown, path: string): WorkloadResources {
  const problems: Problem[] = [];
  const read = checkWorkloadResources(raw, (...s) => [path, ...s].join('.'), (p, message, fix) => problems.push({ path: p, message, fix }));
  if (problems.length > 0) throw new BerthError('BERTH_E_INVALID_PIPELINE', `${problems[0]!.path} ${problems[0]!.message}`, { problems });
  return read ?? {};
}

/**
 * The resources of a workload in an environment: the definition's own, with one GPU when the
 * environment has gpu_support and the definition does not say how many.
 */
export function withEnvironmentGpu(own: WorkloadResources, gpuSupport: boolean): WorkloadResources {
  return gpuSupport && own.gpus === undefined ? { ...own, gpus: 1 } : own;
}

/** The fields of a WorkloadSpec these resources set (nothing for what is absent or zero GPUs). */
export function resourceFields(r: WorkloadResources): { requests?: ResourceAmounts; limits?: ResourceAmounts; gpus?: number } {
  return {
    ...(r.requests && Object.keys(r.requests).length > 0 ? { requests: r.requests } : {}),
    ...(r.limits && Object.keys(r.limits).length > 0 ? { limits: r.limits } : {}),
    ...(r.gpus ? { gpus: r.gpus } : {}),
  };
}

function readAmounts(raw: unknown, kind: 'requests' | 'limits', at: (...s: string[]) => string, add: (path: string, message: string, fix: string) => void): ResourceAmounts | undefined {
  if (!isJsonObject(raw)) {
    add(at(), `must be an object, not ${describeJsonType(raw)}`, `write {"cpus": 1, "memory": "2g"}`);
    return undefined;
  }
  const out: ResourceAmounts = {};
  for (const [key, value] of Object.entries(raw)) {
    if (key === 'cpus') {
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0.001) add(at('cpus'), `${JSON.stringify(value)} is not a number of CPUs`, 'e.g. "cpus": 0.5 (at least 0.001)');
      else out.cpus = value;
    } else if (key === 'memory') {
      const bytes = parseMemorySize(value);
      if (bytes === null) add(at('memory'), `${JSON.stringify(value)} is not a memory size`, 'e.g. "memory": "512m" or "4g" (units k, m, g, t: powers of 1024)');
      else if (kind === 'limits' && bytes < MIN_MEMORY_LIMIT_BYTES) add(at('memory'), `${JSON.stringify(value)} is below the smallest memory limit (6m)`, 'e.g. "memory": "512m"');
      else out.memoryBytes = bytes;
    } else {
      add(at(key), `"${key}" is not a ${kind === 'requests' ? 'request' : 'limit'}`, 'use "cpus" and "memory"');
    }
  }
  return out;
}
