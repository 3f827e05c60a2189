import { closeSync, constants, openSync, writeSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { parseRestartPolicy } from '../../core/restart-policy.ts';
import type { InstanceStartOptions } from '../../instances/instance-spec.ts';
import type { CliContext } from '../cli-context.ts';
import { cpus, instanceBinds, instanceEnv, instancePorts, memorySize, port, seconds } from '../instance-start-flags.ts';
import { parseLeadingFlags } from '../leading-flags.ts';
import { usageError } from '../parse-flags.ts';

export const instanceStartHelp = (verb: 'start' | 'run') => `Usage: berth instance ${verb} [options] IMAGE NAME [ARGS...]

${verb === 'start'
  ? 'Starts a named instance in the background and returns once it runs.'
  : "Starts a named instance running the image's default command (ARGS are passed to it) and returns once it runs."}
Options must come before IMAGE. On the process runtime IMAGE is the word "host" and ARGS is the
command to run (e.g. berth instance ${verb} host web python3 -m http.server 8000).
On container runtimes (--runtime docker) IMAGE is an image: \`start\` runs ARGS instead of its
entrypoint and command (without ARGS: its default command), \`run\` gives ARGS to its entrypoint, as
\`docker run IMAGE ARGS\` does; the working directory is the image's, and the environment is the
image's plus --env/--env-file (not yours).

Options:
  --runtime R              process (default: BERTH_RUNTIME) or another runtime of this build
  --pid-file FILE          write the instance's PID and a newline there once it runs (systemd Type=forking)
  -e, --env NAME=VALUE     set a variable (repeatable; wins over --env-file)
      --env-file FILE      read NAME=VALUE lines (repeatable)
  -B, --bind SRC[:DEST[:ro|rw]]  bind a host path (container runtimes; repeatable or comma-separated)
  -p, --port N             a port the service listens on; container runtimes publish it on 127.0.0.1:N (repeatable)
  --restart POLICY         no (default) | on-failure | always: restart the command when it ends
  --health-cmd CMD         health check: a shell command run inside the instance, healthy when it exits 0
  --health-port N          health check: healthy when N accepts TCP connections on localhost
  --health-interval SECS   seconds between checks (default 10; while starting, sooner: from 0.2 s, doubling)
  --health-retries N       failures in a row before "unhealthy" (default 3)
  --cpus N                 limit to N CPUs (fractions allowed, e.g. 1.5; container runtimes)
  --memory SIZE            limit memory, e.g. 512m or 2g (units k, m, g: powers of 1024; container runtimes)
  --writable-tmpfs         accepted for Apptainer's command lines; instances are writable already
  --dry-run                with --runtime kubernetes: print the objects the instance would be (its Job
                           and, with --port, its Service) as YAML, and start nothing

Inside, BERTH_INSTANCE is the instance's name. Output is appended to the instance's .out and .err
logs (berth instance list --logs; berth instance logs NAME), kept after stop.
Exit status: 0 running, 1 could not start (e.g. "instance NAME already exists"), 2 invalid input.`;

export async function instanceStartCommand(ctx: CliContext, args: string[], verb: 'start' | 'run'): Promise<number> {
  const command = `instance ${verb}`;
  const { values, positionals } = parseLeadingFlags(command, args, {
    runtime: { type: 'string' },
    'pid-file': { type: 'string' },
    env: { type: 'string', short: 'e', multiple: true },
    'env-file': { type: 'string', multiple: true },
    bind: { type: 'string', short: 'B', multiple: true },
    port: { type: 'string', short: 'p', multiple: true },
    restart: { type: 'string' },
    'health-cmd': { type: 'string' },
    'health-port': { type: 'string' },
    'health-interval': { type: 'string' },
    'health-retries': { type: 'string' },
    cpus: { type: 'string' },
    memory: { type: 'string' },
    'writable-tmpfs': { type: 'boolean' },
    'dry-run': { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) return ctx.out(instanceStartHelp(verb)), 0;
  const [image, name, ...rest] = positionals;
  if (image === undefined || name === undefined) throw usageError(command, 'expected IMAGE and NAME', `berth ${command} host web python3 -m http.server 8000`);
  if (image.startsWith('instance://')) throw usageError(command, 'starting an instance from another is not allowed', 'give an image (or "host" on the process runtime)');
  const cwd = process.cwd();
  const healthCmd = values['health-cmd'] ?? null;
  const healthPort = values['health-port'] === undefined ? null : port(command, '--health-port', values['health-port']);
  if (healthCmd !== null && healthPort !== null) throw usageError(command, '--health-cmd and --health-port exclude each other', 'give one of them');
  const retries = seconds(command, '--health-retries', values['health-retries'], 3);
  const limits = { cpus: cpus(command, values.cpus, availableParallelism()), memoryBytes: memorySize(command, values.memory) };
  if (values['writable-tmpfs']) {
    ctx.err('INFO:    --writable-tmpfs changes nothing: instances are writable already (a container has its own writable layer, discarded when it is removed; on the process runtime the files are the host\'s).');
  }
  const options: InstanceStartOptions = {
    name,
    image,
    args: rest,
    imageCommand: verb === 'run',
    runtime: values.runtime ?? ctx.config.runtime,
    cwd,
    env: instanceEnv(command, values['env-file'] ?? [], values.env ?? [], cwd),
    binds: instanceBinds(command, values.bind ?? [], cwd),
    ports: instancePorts(command, values.port ?? []),
    restart: parseRestartPolicy(values.restart),
    limits: Object.fromEntries(Object.entries(limits).filter(([, v]) => v !== undefined)),
    health: healthCmd === null && healthPort === null ? null : {
      cmd: healthCmd,
      port: healthPort,
      intervalMs: seconds(command, '--health-interval', values['health-interval'], 10) * 1000,
      retries: Math.max(1, Math.floor(retries)),
    },
  };
  if (values['dry-run']) {
    if (options.runtime !== 'kubernetes') throw usageError(command, '--dry-run prints the Kubernetes objects of an instance', 'add --runtime kubernetes (or set BERTH_RUNTIME=kubernetes)');
    return (await import('./kube-instance-dry-run.ts')).kubeInstanceDryRun(ctx, options);
  }
  const started = await (await ctx.instances()).start(options);
  if (values['pid-file'] !== undefined) writePidFile(ctx, resolve(cwd, values['pid-file']), started.pid);
  ctx.err(`INFO:    instance ${started.name} started successfully (PID=${started.pid})`);
  return 0;
}

/** Like Apptainer: truncate, never follow a symlink, 0644; a failed write is only a warning. */
function writePidFile(ctx: CliContext, path: string, pid: number): void {
  try {
    const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o644);
    try {
      writeSync(fd, `${pid}\n`);
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    ctx.err(`WARNING: could not write the pid file ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
}
