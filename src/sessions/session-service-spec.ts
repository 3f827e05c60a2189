import type { ServiceDefinition } from '../core/pipeline-types.ts';
import { serviceHostname, sessionNetworkName, sessionServicePrefix, sessionServiceWorkloadId, sessionVolumeName } from '../core/session-naming.ts';
import { splitShellWords } from '../core/shell-words.ts';
import { resourceFields, withEnvironmentGpu, workloadResources } from '../core/workload-resources.ts';
import type { Mount, WorkloadSpec } from '../runtimes/driver.ts';
import { BerthError } from '../errors.ts';

/** Where and for whom a session service runs (host paths). */
export interface SessionServiceContext {
  sessionUuid: string;
  projectUuid: string;
  /** interactive (a pipeline's session) or noninteractive (a job run's services). */
  sessionType: 'interactive' | 'noninteractive';
  /** For `$BASE_PATH_PREFIX`: the proxy path names the project. */
  projectName: string;
  pipelineUuid: string;
  /** The pipeline file as the service sees it. */
  pipelinePath: string;
  projectDir: string;
  dataDir: string;
  /** Containers (image, mounts, session network) rather than host processes. */
  isolated: boolean;
  /** Host processes: the data folder at /data and the project at /project-dir (a mount namespace of their own). */
  hostMounts?: boolean;
  /** The image to run (environment@<uuid> already resolved); ignored on the host. */
  image: string;
  /** The image is an environment's with gpu_support (one GPU unless berth_resources says). */
  gpuSupport?: boolean;
  /** Project and pipeline variables (pipeline wins); a service gets only those it inherits. */
  inherited: Record<string, string>;
  /** The host environment a host process starts from (PATH…); containers get none of it. */
  base: Record<string, string>;
  logPath: string;
}

/**
 * A session service as a workload (pure). `$BASE_PATH_PREFIX_<port>` / `$BASE_PATH_PREFIX` (first
 * port) are replaced in every string of the definition by the service's proxy path without a
 * leading slash (sessionServicePrefix).
 * `command` replaces the image's entrypoint and `args` are split like a shell (no shell runs them);
 * without a command the image's entrypoint gets the args. Environment, lowest first: env_variables,
 * the inherited project/pipeline variables named in env_variables_inherit (they win, as in Orchest),
 * then the ORCHEST_* and BERTH_* session variables. Containers join the session network under the service's
 * name and `<name>-<session uuid>`, get /data and /project-dir only where `binds` says, and the
 * named volumes of `berth_volumes` (per project, so they outlive the session), and the requests,
 * limits and GPUs of `berth_resources` (one GPU for a gpu_support environment). On the host the
 * command runs in the project folder with the host's environment, seeing /data and /project-dir
 * where the host allows mount namespaces (`hostMounts`); binds, volumes and resources do not apply.
 */
export function sessionServiceSpec(raw: ServiceDefinition, ctx: SessionServiceContext): WorkloadSpec {
  const def = substituteBasePath(raw, ctx.projectName, ctx.sessionUuid);
  const at = `services.${def.name}`;
  const resources = ctx.isolated ? resourceFields(withEnvironmentGpu(workloadResources(def.berth_resources, at), ctx.gpuSupport === true)) : {};
  const args = def.args ? splitShellWords(def.args) : { ok: true as const, words: [] };
  if (!args.ok) throw invalid(`${at}.args`, `cannot be split into arguments: ${args.reason}`, 'quote it, or run a shell: "command": "sh", "args": "-c \'…\'"');
  const command = def.command ? [def.command, ...args.words] : args.words;
  if (!ctx.isolated && !def.command) {
    throw invalid(`${at}.command`, 'a service on the process runtime runs a host command, and this one has none', 'add "command" (and "args"), or use --runtime docker');
  }
  const inherited = Object.fromEntries((def.env_variables_inherit ?? []).filter((n) => n in ctx.inherited).map((n) => [n, ctx.inherited[n]!]));
  const own: Record<string, string> = {
    ORCHEST_PROJECT_UUID: ctx.projectUuid,
    ORCHEST_PIPELINE_UUID: ctx.pipelineUuid,
    ORCHEST_PIPELINE_PATH: ctx.pipelinePath,
    ORCHEST_SESSION_UUID: ctx.sessionUuid,
    ORCHEST_SESSION_TYPE: ctx.sessionType,
  };
  for (const [k, v] of Object.entries({ ...own })) own[k.replace(/^ORCHEST_/, 'BERTH_')] = v;
  const spec: WorkloadSpec = {
    id: sessionServiceWorkloadId(ctx.sessionUuid, def.name),
    command,
    cwd: ctx.isolated ? '' : ctx.projectDir,
    env: { ...(ctx.isolated ? {} : ctx.base), ...(def.env_variables ?? {}), ...inherited, ...own },
    labels: { project: ctx.projectUuid, pipeline: ctx.pipelineUuid, session: ctx.sessionUuid, service: def.name },
    ports: [...def.ports],
    logPath: ctx.logPath,
    restart: def.berth_restart ?? 'on-failure',
  };
  if (!ctx.isolated) {
    return ctx.hostMounts ? { ...spec, mounts: [{ source: ctx.dataDir, target: '/data' }, { source: ctx.projectDir, target: '/project-dir' }] } : spec;
  }
  const mounts: Mount[] = [];
  for (const [source, target] of Object.entries(def.binds ?? {})) mounts.push({ source: source === '/data' ? ctx.dataDir : ctx.projectDir, target });
  for (const [volume, target] of Object.entries(def.berth_volumes ?? {})) mounts.push({ type: 'volume', source: sessionVolumeName(ctx.projectUuid, volume), target });
  return {
    ...spec,
    image: ctx.image,
    imageEntrypoint: !def.command,
    mounts,
    network: { name: sessionNetworkName(ctx.sessionUuid), aliases: [def.name, serviceHostname(def.name, ctx.sessionUuid)] },
    ...resources,
  };
}

/** The definition with `$BASE_PATH_PREFIX…` replaced in every string (keys and values). */
export function substituteBasePath(def: ServiceDefinition, projectName: string, sessionUuid: string): ServiceDefinition {
  const replace = (text: string): string =>
    text
      .replace(/\$BASE_PATH_PREFIX_(\d+)/g, (_, port: string) => sessionServicePrefix(projectName, def.name, sessionUuid, Number(port)))
      .replace(/\$BASE_PATH_PREFIX/g, sessionServicePrefix(projectName, def.name, sessionUuid, def.ports[0]!));
  const walk = (value: unknown): unknown => {
    if (typeof value === 'string') return replace(value);
    if (Array.isArray(value)) return value.map(walk);
    if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [replace(k), walk(v)]));
    return value;
  };
  return walk(def) as ServiceDefinition;
}

function invalid(path: string, message: string, fix: string): BerthError {
  return new BerthError('BERTH_E_INVALID_PIPELINE', `${path} ${message}`, { problems: [{ path, message, fix }] });
}
