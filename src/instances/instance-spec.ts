import { cgroupLimitsProblem } from '../runtimes/process/cgroup-limits.ts';
import { BerthError } from '../errors.ts';
import type { RestartPolicy } from '../core/restart-policy.ts';
import type { DriverCapabilities, Mount, WorkloadLimits, WorkloadSpec } from '../runtimes/driver.ts';
import type { HealthCheck } from './supervisor-protocol.ts';

export interface InstanceStartOptions {
  name: string;
  /** "host" on the process runtime; an image reference on isolating runtimes. */
  image: string;
  /** The command (process runtime), or on container runtimes the command replacing the image's (empty: the image's default command). */
  args: string[];
  /** `instance run`: on container runtimes, args go to the image's entrypoint (as in `docker run IMAGE ARGS`). */
  imageCommand?: boolean;
  runtime: string;
  /** Working directory on the host (process runtime; container runtimes use the image's). */
  cwd: string;
  /** Added to the inherited environment (later wins): env-file values, then --env. Container runtimes add them to the image's environment instead. */
  env: Record<string, string>;
  binds: Mount[];
  ports: number[];
  restart: RestartPolicy;
  health: HealthCheck | null;
  /** --cpus / --memory (isolating runtimes only). */
  limits?: WorkloadLimits;
}

/** What an instance spec needs to know of its runtime. */
export interface InstanceRuntime {
  name: string;
  capabilities: DriverCapabilities;
}

/**
 * The workload an instance runs (pure; its supervisor gives each start the id
 * `<instance id>-<attempt>`), checked against what the runtime can do: binds need volumes, limits
 * and images isolation, the process runtime a command. Containers get the image's environment plus
 * what was asked for, never the caller's own (tokens, host paths).
 */
export function instanceWorkloadSpec(opts: InstanceStartOptions, runtime: InstanceRuntime, ctx: { name: string; baseEnv: Record<string, string>; logs: { out: string; err: string } }): Omit<WorkloadSpec, 'id'> {
  const { name } = ctx;
  if (opts.binds.length > 0 && !runtime.capabilities.volumes) {
    throw unsupported('--bind', `the ${runtime.name} runtime runs on the host and cannot bind-mount paths`);
  }
  const isolated = runtime.capabilities.isolation;
  const limited = opts.limits?.cpus !== undefined || opts.limits?.memoryBytes !== undefined;
  if (limited && !isolated) {
    const flags = [opts.limits?.cpus !== undefined && '--cpus', opts.limits?.memoryBytes !== undefined && '--memory'].filter(Boolean).join(' and ');
    throw new BerthError('BERTH_E_RUNTIME_UNSUPPORTED', `the ${runtime.name} runtime cannot apply ${flags}: ${cgroupLimitsProblem()}`, {
      problems: [{ path: flags, message: 'limits need a runtime that can apply them', fix: `use --runtime docker (limits as Docker's --cpus/--memory), or drop ${flags}` }],
    });
  }
  if (isolated && opts.image === 'host') {
    throw new BerthError('BERTH_E_INVALID_ARGUMENT', `the ${runtime.name} runtime runs instances from an image, not "host" (IMAGE)`, {
      problems: [{ path: 'IMAGE', message: '"host" is the process runtime\'s word', fix: `give an image, e.g. berth instance start --runtime ${runtime.name} python:3.12 ${name} python3 -m http.server 8000` }],
    });
  }
  if (opts.args.length === 0 && !isolated) {
    throw new BerthError('BERTH_E_INVALID_ARGUMENT', `the ${runtime.name} runtime needs the command to run after the instance name`, {
      problems: [{ path: 'ARGS', message: 'no command given', fix: `e.g. berth instance start host ${name} python3 -m http.server 8000` }],
    });
  }
  return {
    command: opts.args,
    cwd: isolated ? '' : opts.cwd,
    env: { ...(isolated ? {} : ctx.baseEnv), ...opts.env, BERTH_INSTANCE: name },
    image: opts.image,
    mounts: opts.binds,
    ports: opts.ports,
    labels: { instance: name },
    logPath: ctx.logs.out,
    errLogPath: ctx.logs.err,
    // Services are reached at the port they listen on, as on the host.
    samePortsOnHost: true,
    imageEntrypoint: isolated && (opts.imageCommand === true || opts.args.length === 0),
    ...(limited ? { limits: opts.limits } : {}),
  };
}

function unsupported(field: string, message: string): BerthError {
  return new BerthError('BERTH_E_RUNTIME_UNSUPPORTED', `${message} (${field})`, {
    problems: [{ path: field, message, fix: 'use a runtime that isolates workloads (--runtime docker), or drop the flag' }],
  });
}
