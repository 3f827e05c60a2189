import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import type { BerthConfig } from '../config/config.ts';
import type { ServiceDefinition } from '../core/pipeline-types.ts';
import type { LogChunk, RuntimeDriver, WorkloadHandle, WorkloadSpec } from '../runtimes/driver.ts';
import type { TokenRegistry } from '../auth/token-registry.ts';
import { BerthError } from '../errors.ts';
import type { Project } from '../store/project-repository.ts';
import { ServiceRepository, type ServiceRow } from '../store/service-repository.ts';
import { ServiceSessionRepository } from '../store/service-session-repository.ts';
import type { StateChangeHook } from '../store/state-change.ts';
import type { Database } from '../store/tables.ts';
import { insideRoot } from '../projects/inside-root.ts';
import { parseCodeSource } from './code-source.ts';
import { servicePath, serviceWorkloadSpec } from './service-workload-spec.ts';
import { liveUpstream, upstreamOwner } from './service-upstream.ts';
import { allAccept, waitServiceReady } from './service-readiness.ts';
import { sessionServiceRoute } from './session-route.ts';
import type { ServiceRoute } from './service-route.ts';
import { JUPYTER_SERVICE } from '../core/session-naming.ts';
import { KernelWatcher } from './kernel-watcher.ts';
import { thisProcess } from '../leases/owner-lease.ts';

export type { ServiceRoute } from './service-route.ts';

export interface ServiceInfo {
  name: string;
  project: string;
  /**
   * running: every declared port is served (or its HEALTHCHECK says healthy); starting: not yet;
   * stopped: it ended; unknown: it runs on another host (`host`) and no server there answered.
   */
  status: 'starting' | 'running' | 'stopped' | 'unknown';
  definition: ServiceDefinition;
  /** Proxy path per declared port. */
  urls: Record<string, string>;
  created_at: string;
  /** The host (BERTH_HOST_ID) it runs on: servers elsewhere forward its requests to a server there. */
  host: string | null;
}


const ROUTE_CACHE_MS = 1000;
/** How long a deploy waits for the service to serve its ports before answering "starting". */
const DEPLOY_READY_MS = 5000;

/**
 * Long-lived project services on whatever runtime driver the engine has (driver-agnostic: the
 * spec says what to run; the driver decides how). Each service gets its own project-scoped token,
 * revoked when the service is removed. Services outlive the server; `adopt` re-attaches them.
 */
export class ServiceManager {
  readonly #rows: ServiceRepository;
  readonly #db: Kysely<Database>;
  readonly #driverOf: () => Promise<RuntimeDriver>;
  readonly #driverNamed: (name: string) => Promise<RuntimeDriver>;
  readonly #tokens: TokenRegistry;
  readonly #config: BerthConfig;
  readonly #endpoint: () => string;
  readonly #readyTimeoutMs: number;
  readonly #containerEndpoint: ((runtime: string) => string) | undefined;
  readonly #routes = new Map<string, { route: ServiceRoute | null; until: number }>();
  /** This machine (config.hostId): services recorded with another host run there. */
  readonly #host = thisProcess().host;
  /** Bumped by every deploy and remove, so route caches elsewhere can tell they are stale. */
  generation = 0;
  /** Records the kernel events of the sessions' Jupyter servers (watched from their first proxied request). */
  readonly kernels: KernelWatcher;

  /** `hook` records each service created and deleted as an event, in the same transaction. */
  /** `driver`: the runtime services run on, opened on first use (the engine's shared driver); `driverNamed`: any runtime's (sessions may run on another), by name. */
  constructor(opts: { db: Kysely<Database>; driver: () => Promise<RuntimeDriver>; driverNamed?: (name: string) => Promise<RuntimeDriver>; tokens: TokenRegistry; config: BerthConfig; endpoint: () => string; containerEndpoint?: (runtime: string) => string; hook: StateChangeHook; readyTimeoutMs?: number }) {
    this.#readyTimeoutMs = opts.readyTimeoutMs ?? DEPLOY_READY_MS;
    this.#rows = new ServiceRepository(opts.db, { hook: opts.hook });
    this.#db = opts.db;
    this.kernels = new KernelWatcher({ db: opts.db, hook: opts.hook });
    this.#driverOf = opts.driver;
    this.#driverNamed = opts.driverNamed ?? (() => opts.driver());
    this.#tokens = opts.tokens;
    this.#config = opts.config;
    this.#endpoint = opts.endpoint;
    this.#containerEndpoint = opts.containerEndpoint;
  }

  /** Starts a service. 409 when the project has one of that name; the row is rolled back if the start fails. */
  async deploy(project: Project, def: ServiceDefinition): Promise<ServiceInfo> {
    if (typeof def.code === 'string') checkCodePath(project, def.code);
    await this.#checkPorts(def);
    const logPath = join(this.#config.home, 'services', project.uuid, `${def.name}.log`);
    const row: ServiceRow = { project_uuid: project.uuid, name: def.name, definition_json: JSON.stringify(def), handle_json: null, token_id: null, log_path: logPath, created_at: new Date().toISOString(), host: this.#host };
    if (!(await this.#rows.insert(row))) {
      throw new BerthError('BERTH_E_CONFLICT', `project "${project.name}" already has a service "${def.name}"`, {
        problems: [{ path: 'name', message: 'taken', fix: `remove it first (DELETE …/services/${def.name}) or choose another name` }],
      });
    }
    // The name is this service's now: a log left by a removed service of the same name is not its log.
    rmSync(logPath, { force: true });
    try {
      await this.#start(project, row, def);
    } catch (e) {
      await this.#teardown(row);
      throw e;
    }
    this.#routes.clear();
    this.generation++;
    // Answer once the service serves its ports (as session services do), or say "starting" after a while.
    const handle = parseHandle(row.handle_json);
    if (handle) await waitServiceReady(await this.#driverOf(), handle, def.ports, { timeoutMs: this.#readyTimeoutMs });
    return this.get(project, def.name);
  }

  async list(project: Project): Promise<ServiceInfo[]> {
    return Promise.all((await this.#rows.list(project.uuid)).map((row) => this.#info(project, row)));
  }

  async get(project: Project, name: string): Promise<ServiceInfo> {
    return this.#info(project, await this.#row(project, name));
  }

  /**
   * The host a service runs on when that is not this one (its workload, port and log are there: a
   * server forwards its requests to a server on that host); null when it runs here.
   */
  async hostElsewhere(project: Project, name: string): Promise<string | null> {
    const row = await this.#rows.get(project.uuid, name);
    return row ? this.#elsewhere(row) : null;
  }

  /** The row of a service that runs on this host; 409 for another host's (its workload is out of this process's reach). */
  #here(row: ServiceRow, what: string): ServiceRow {
    const host = this.#elsewhere(row);
    if (host === null) return row;
    throw new BerthError('BERTH_E_SERVICE_ELSEWHERE', `service "${row.name}" runs on host "${host}": this process cannot ${what} it`, {
      problems: [{ path: 'name', message: `runs on host "${host}"`, fix: `ask a Berth server of this store (BERTH_ENDPOINT=…), which forwards to a server on "${host}"` }],
    });
  }

  #elsewhere(row: { host: string | null }): string | null {
    return row.host !== null && row.host !== this.#host ? row.host : null;
  }

  /** Stops and forgets a service and revokes its token. */
  async remove(project: Project, name: string): Promise<void> {
    await this.#teardown(this.#here(await this.#row(project, name), 'remove'));
    this.#routes.clear();
    this.generation++;
  }

  /** The service's output (follow: until it ends or the signal aborts). */
  async logs(project: Project, name: string, opts: { follow?: boolean; signal?: AbortSignal }): Promise<AsyncIterable<LogChunk>> {
    const row = this.#here(await this.#row(project, name), 'read the log of');
    const handle = parseHandle(row.handle_json);
    if (!handle) return (async function* () {})();
    return (await this.#driverOf()).logs(handle, opts);
  }

  /**
   * The route for (project, service, port) by exact lookup; null when the service does not exist or
   * does not declare the port (0 = its first declared port). A name `<service>-<session uuid>`
   * without a project service of that name is an exposed service of the project's running session.
   * Cached briefly (cleared on deploy and remove).
   */
  async route(project: Project, name: string, port: number): Promise<ServiceRoute | null> {
    const key = `${project.uuid}\0${name}\0${port}`;
    const hit = this.#routes.get(key);
    if (hit && hit.until > Date.now()) return this.#watchKernels(project, name, hit.route);
    const row = await this.#rows.get(project.uuid, name);
    const definition = row ? (JSON.parse(row.definition_json) as ServiceDefinition) : null;
    const declared = port === 0 ? definition?.ports[0] : port;
    const handle = row ? parseHandle(row.handle_json) : null;
    const elsewhere = row ? this.#elsewhere(row) : null;
    const route = row
      ? definition && declared !== undefined && definition.ports.includes(declared)
        ? elsewhere !== null
          ? { projectUuid: project.uuid, definition, upstream: null, instance: `service ${row.created_at}`, elsewhere }
          : { projectUuid: project.uuid, definition, upstream: await liveUpstream(this.#driverNamed, handle, declared), owner: upstreamOwner(handle, declared), instance: `service ${row.created_at}` }
        : null
      : await sessionServiceRoute(this.#db, project, name, port, this.#driverNamed, this.#host);
    if (this.#routes.size > 10_000) this.#routes.clear();
    this.#routes.set(key, { route, until: Date.now() + ROUTE_CACHE_MS });
    return this.#watchKernels(project, name, route);
  }

  /** A request for a session's Jupyter server: its kernels are watched from now on (kernel-watcher.ts). */
  #watchKernels(project: Project, name: string, route: ServiceRoute | null): ServiceRoute | null {
    if (route?.upstream && route.upstreamAuthorization && name.startsWith(`${JUPYTER_SERVICE}-`)) {
      const { host, port } = route.upstream;
      this.kernels.watch({ sessionUuid: name.slice(JUPYTER_SERVICE.length + 1), projectUuid: project.uuid, projectDir: project.path, url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/`, authorization: route.upstreamAuthorization });
    }
    return route;
  }

  /**
   * After a restart: services still running are adopted as they are; those that ended are started
   * again (ML Lab's restart-always). Returns what it did, for the log.
   */
  async adopt(projectOf: (uuid: string) => Promise<Project>): Promise<Array<{ service: string; action: 'adopted' | 'restarted' | 'failed'; reason?: string }>> {
    const out: Array<{ service: string; action: 'adopted' | 'restarted' | 'failed'; reason?: string }> = [];
    for (const row of await this.#rows.list()) {
      // Another host's services are adopted by the servers there; one written before hosts were
      // recorded becomes the first starting host's (one conditional update: never two hosts').
      if (this.#elsewhere(row) !== null || (row.host === null && !(await this.#rows.claimHost(row.project_uuid, row.name, this.#host)))) continue;
      const handle = parseHandle(row.handle_json);
      const label = `${row.project_uuid}/${row.name}`;
      if (handle && (await (await this.#driverOf()).isRunning(handle))) {
        out.push({ service: label, action: 'adopted' });
        continue;
      }
      try {
        if (handle) await (await this.#driverOf()).remove(handle);
        await this.#start(await projectOf(row.project_uuid), row, JSON.parse(row.definition_json) as ServiceDefinition);
        out.push({ service: label, action: 'restarted' });
      } catch (e) {
        out.push({ service: label, action: 'failed', reason: e instanceof Error ? e.message : String(e) });
      }
    }
    return out;
  }

  /**
   * The workload deploy starts for `def` on `runtime` (default the configured one; `apiToken`: the
   * project token it makes; `berth service deploy --dry-run` shows a placeholder). On Kubernetes it
   * restarts always (ML Lab's RestartPolicy.always): a Deployment, which a lost node reschedules; on
   * the other runtimes Berth restarts a service that ended when it adopts its services.
   */
  workloadSpec(project: Project, def: ServiceDefinition, apiToken: string, runtime: string = this.#config.runtime): WorkloadSpec {
    const logPath = join(this.#config.home, 'services', project.uuid, `${def.name}.log`);
    const spec = serviceWorkloadSpec(
      def,
      { projectUuid: project.uuid, projectName: project.name, projectDir: project.path, endpoint: this.#endpoint(), containerEndpoint: this.#containerEndpoint?.(runtime), apiToken, logPath, codeDir: join(this.#config.home, 'services', project.uuid, `${def.name}.code`) },
      this.#config.baseEnv,
    );
    return runtime === 'kubernetes' ? { ...spec, restart: 'always' } : spec;
  }

  async #start(project: Project, row: ServiceRow, def: ServiceDefinition): Promise<void> {
    if (row.token_id) await this.#tokens.revoke(row.token_id);
    const { secret, token } = await this.#tokens.create({ name: `service ${def.name}`, scope: 'project', projectUuid: project.uuid, service: def.name });
    row.token_id = token.id;
    await this.#rows.setToken(project.uuid, def.name, token.id);
    const spec = this.workloadSpec(project, def, secret);
    const handle = await (await this.#driverOf()).start(spec);
    row.handle_json = JSON.stringify(handle);
    row.host = this.#host;
    await this.#rows.setHandle(project.uuid, def.name, row.handle_json, this.#host);
  }

  /**
   * On a runtime that does not map ports (the process runtime) a service listens on the host's own
   * port numbers: it may not claim Berth's port or one another service declares (409).
   */
  async #checkPorts(def: ServiceDefinition): Promise<void> {
    if ((await this.#driverOf()).capabilities.ports) return;
    const own = Number(new URL(this.#endpoint()).port);
    const taken = new Set<number>();
    // Another host's services hold that host's port numbers, not this one's.
    for (const row of await this.#rows.list()) if (this.#elsewhere(row) === null) for (const p of (JSON.parse(row.definition_json) as ServiceDefinition).ports) taken.add(p);
    for (const port of def.ports) {
      const why = port === own ? "it is the Berth server's own port" : taken.has(port) ? 'another service already declares it' : null;
      if (!why) continue;
      throw new BerthError('BERTH_E_PORT_RESERVED', `service "${def.name}" cannot use port ${port}: ${why}`, {
        problems: [{ path: 'ports', message: `port ${port} is reserved (${why})`, fix: 'choose another port (services on the process runtime share the host\'s port numbers)' }],
      });
    }
  }

  async #isReady(handle: WorkloadHandle, ports: number[]): Promise<boolean> {
    const driver = await this.#driverOf();
    const health = driver.health ? await driver.health(handle).catch(() => 'none' as const) : 'none';
    if (health !== 'none') return health === 'healthy';
    return allAccept(handle, ports);
  }

  async #teardown(row: ServiceRow): Promise<void> {
    const handle = parseHandle(row.handle_json) ?? (await (await this.#driverOf()).list({ project: row.project_uuid, service: row.name }))[0] ?? null;
    if (handle) {
      await (await this.#driverOf()).stop(handle, { graceMs: this.#config.stopGraceMs });
      await (await this.#driverOf()).remove(handle);
    }
    const current = await this.#rows.get(row.project_uuid, row.name);
    const tokenId = current?.token_id ?? row.token_id;
    if (tokenId) await this.#tokens.revoke(tokenId).catch(() => undefined);
    await this.#rows.delete(row.project_uuid, row.name);
    await new ServiceSessionRepository(this.#db).deleteForService(row.project_uuid, row.name);
  }

  async #row(project: Project, name: string): Promise<ServiceRow> {
    const row = await this.#rows.get(project.uuid, name);
    if (row) return row;
    throw new BerthError('BERTH_E_SERVICE_NOT_FOUND', `project "${project.name}" has no service "${name}"`, {
      problems: [{ path: 'name', message: 'no such service', fix: `see GET /api/projects/${project.name}/services` }],
    });
  }

  async #info(project: Project, row: ServiceRow): Promise<ServiceInfo> {
    const definition = JSON.parse(row.definition_json) as ServiceDefinition;
    const urls = Object.fromEntries(definition.ports.map((p) => [String(p), servicePath(project.name, row.name, p)]));
    const info = { name: row.name, project: project.name, definition, urls, created_at: row.created_at, host: row.host };
    // Its workload is on another host: only a server there can tell (the API asks one; see service-routes).
    if (this.#elsewhere(row) !== null) return { ...info, status: 'unknown' };
    const handle = parseHandle(row.handle_json);
    const running = handle ? await (await this.#driverOf()).isRunning(handle) : false;
    const ready = running && handle ? await this.#isReady(handle, definition.ports) : false;
    return { ...info, status: ready ? 'running' : running ? 'starting' : 'stopped' };
  }
}

function parseHandle(json: string | null): WorkloadHandle | null {
  return json ? (JSON.parse(json) as WorkloadHandle) : null;
}

/** A `code` path must exist inside the project (symlinks followed). */
function checkCodePath(project: Project, code: string): void {
  const source = parseCodeSource(code);
  if (source.kind !== 'path') return;
  if (!existsSync(insideRoot(project.path, source.path, 'body.code'))) {
    throw new BerthError('BERTH_E_INVALID_ARGUMENT', `project "${project.name}" has no ${source.path}`, {
      problems: [{ path: 'body.code', message: 'no such file or folder in the project', fix: 'give a script or a folder with __main__.py, relative to the project' }],
    });
  }
}
