import type { ServiceDefinition } from '../core/pipeline-types.ts';
import type { WorkloadSpec } from '../runtimes/driver.ts';
import { dirname, join } from 'node:path';
import { parseCodeSource, RUN_CODE_SCRIPT, type CodeSource } from './code-source.ts';
import { HOST_IMAGE } from './service-definition.ts';
import { resourceFields, workloadResources } from '../core/workload-resources.ts';

export interface ServiceIdentity {
  projectUuid: string;
  projectName: string;
  projectDir: string;
  /** Berth's base URL as host services should call it. */
  endpoint: string;
  /** Berth's base URL as seen from inside a container (the host gateway); default `endpoint`. */
  containerEndpoint?: string;
  /** The project-scoped token made for this service. */
  apiToken: string;
  logPath: string;
  /** Where a git `code` source is checked out. */
  codeDir: string;
}

/** The proxy prefix of a service port, with a trailing slash: `/api/projects/p/services/s/8080/`. */
export function servicePath(projectName: string, name: string, port: number): string {
  return `/api/projects/${encodeURIComponent(projectName)}/services/${encodeURIComponent(name)}/${port}/`;
}

/** A service's workload id: stable, so a second start adopts the running one. */
export function serviceWorkloadId(projectUuid: string, name: string): string {
  return `svc-${projectUuid}-${name}`;
}

/**
 * The workload for a project service (pure). Environment, lowest precedence first: `base`
 * (inherited host environment; host services only — a container gets its image's environment
 * instead), the service's env_variables, then Berth's variables, which
 * always win: BERTH_ENDPOINT, BERTH_API_TOKEN, BERTH_PROJECT, BERTH_SERVICE_PATH (first port) and
 * their ML Lab twins LAB_*. `$BASE_PATH_PREFIX_<port>` and `$BASE_PATH_PREFIX` (first port) are
 * replaced in command, args and env values by the proxy prefix without the leading slash (Orchest).
 * The command runs through `/bin/sh -c "command args"`, so `args` keeps Orchest's one-string form;
 * a service with `code` runs RUN_CODE_SCRIPT instead, driven by BERTH_CODE_* variables. An image
 * with neither command, args nor code runs its own ENTRYPOINT/CMD in its WORKDIR (ML Lab's deploy form).
 * A container gets the requests, limits and GPUs of `berth_resources`.
 */
export function serviceWorkloadSpec(def: ServiceDefinition, id: ServiceIdentity, base: Record<string, string>): WorkloadSpec {
  const firstPath = servicePath(id.projectName, def.name, def.ports[0]!);
  const substitute = (text: string) =>
    text
      .replace(/\$BASE_PATH_PREFIX_(\d+)/g, (_, port: string) => servicePath(id.projectName, def.name, Number(port)).slice(1, -1))
      .replace(/\$BASE_PATH_PREFIX/g, firstPath.slice(1, -1));
  const inContainer = def.image !== HOST_IMAGE && def.image !== undefined;
  const own: Record<string, string> = {
    BERTH_ENDPOINT: inContainer ? (id.containerEndpoint ?? id.endpoint) : id.endpoint,
    BERTH_API_TOKEN: id.apiToken,
    BERTH_PROJECT: id.projectName,
    BERTH_SERVICE_PATH: firstPath,
  };
  for (const [k, v] of Object.entries({ ...own })) own[k.replace(/^BERTH_/, 'LAB_')] = v;
  const userEnv = Object.fromEntries(Object.entries(def.env_variables ?? {}).map(([k, v]) => [k, substitute(v)]));
  const line = [def.command, def.args].filter((s): s is string => typeof s === 'string' && s !== '').map(substitute).join(' ');
  if (typeof def.code === 'string') Object.assign(own, codeEnvironment(parseCodeSource(def.code), id));
  const image = def.image === HOST_IMAGE ? undefined : def.image;
  const spec: WorkloadSpec = {
    id: serviceWorkloadId(id.projectUuid, def.name),
    command: typeof def.code === 'string' ? ['/bin/sh', '-c', RUN_CODE_SCRIPT] : line ? ['/bin/sh', '-c', line] : [],
    cwd: id.projectDir,
    // A container starts from its image's environment: the server's own (PATH, HOME, secrets) stays out.
    env: { ...(inContainer ? {} : base), ...userEnv, ...own },
    labels: { project: id.projectUuid, service: def.name },
    image,
    ports: [...def.ports],
    logPath: id.logPath,
    hostPaths: typeof def.code === 'string' && parseCodeSource(def.code).kind === 'git' ? [id.projectDir, dirname(id.codeDir)] : [id.projectDir],
    // Host commands cannot be limited (the process runtime refuses limits): resources are for containers.
    ...(inContainer ? resourceFields(workloadResources(def.berth_resources, `services.${def.name}`)) : {}),
  };
  if (image === undefined || spec.command.length > 0) return spec;
  // An image and nothing to run (ML Lab's deploy form): the image's ENTRYPOINT/CMD in its WORKDIR, as session services do.
  return { ...spec, cwd: '', imageEntrypoint: true };
}

/** The BERTH_CODE_* variables RUN_CODE_SCRIPT reads. */
function codeEnvironment(source: CodeSource, id: ServiceIdentity): Record<string, string> {
  if (source.kind === 'path') return { BERTH_CODE_PATH: join(id.projectDir, source.path) };
  return { BERTH_CODE_GIT: source.url, BERTH_CODE_REF: source.ref ?? '', BERTH_CODE_SUBDIR: source.subdirectory ?? '', BERTH_CODE_DIR: id.codeDir };
}
