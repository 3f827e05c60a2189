import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import type { BerthConfig, RuntimeName } from '../config/config.ts';
import { environmentReference } from '../core/environment-image.ts';
import type { ServiceDefinition, ServiceScope } from '../core/pipeline-types.ts';
import { JUPYTER_SERVICE, sessionNetworkName } from '../core/session-naming.ts';
import { interactiveSessionUuid } from '../core/step-environment.ts';
import type { LogChunk, WorkloadHandle } from '../runtimes/driver.ts';
import { BerthError } from '../errors.ts';
import { waitServiceReady } from '../services/service-readiness.ts';
import { sessionServiceSpec } from './session-service-spec.ts';
import { serviceUpstream } from '../services/service-upstream.ts';
import { ProjectRepository } from '../store/project-repository.ts';
import { SessionRepository, type SessionRow, type SessionServiceRow } from '../store/session-repository.ts';
import type { StateChangeHook } from '../store/state-change.ts';
import type { Database } from '../store/tables.ts';
import type { EnvVars } from '../projects/env-vars.ts';
import { loadEnvironment } from '../environments/environment-loader.ts';
import { loadPipeline, projectNameOf, type LoadedPipeline } from '../projects/pipeline-loader.ts';
import type { StepRuntimes } from '../runs/step-runtimes.ts';
import { ownerState, thisProcess } from '../leases/owner-lease.ts';
import { LeaseRepository } from '../store/lease-repository.ts';
import { errorText, type Logger } from '../log.ts';
import type { StepRuntime } from '../runs/step-runtime.ts';
import { sessionView, type SessionView } from './session-view.ts';
import { jupyterAnswers, planSessionJupyter } from './session-jupyter.ts';
import { planDockerJupyter } from './session-jupyter-docker.ts';
import { KernelHostLauncher } from './kernel-host-launcher.ts';
import { startSessionGit, stopSessionGit, type SessionGitAccess } from './session-git.ts';
import { kernelHostSessions } from './kernel-host-sessions.ts';
import { SessionTeardown } from './session-teardown.ts';

export interface SessionStartOptions {
  runtime?: RuntimeName;
  /** Per service: how long to wait for readiness. */
  readyTimeoutMs?: number;
  onProgress?: (line: string) => void;
  signal?: AbortSignal;
  /**
   * On a host runtime, leave out services it cannot run (only an image, no command) instead of
   * failing, each said through onProgress: what an interactive run does, so that its steps still run.
   */
  skipUnrunnable?: boolean;
  /** The starter's git identity and keys, for the session's Jupyter (none: no identity, no agent). */
  git?: SessionGitAccess;
}

/** What a run of the pipeline needs to reach a running session's services. */
export interface ActiveSession {
  uuid: string;
  runtime: string;
  /** The network step containers join (container runtimes). */
  network: string | null;
}

const DEFAULT_READY_TIMEOUT_MS = 120_000;
const ACTIVE = ['STARTING', 'RUNNING', 'STOPPING'];

/**
 * Interactive sessions (Orchest's): one per pipeline, uuid = project[:18] + pipeline[:18]. Start
 * runs the services whose scope includes "interactive", in `order`, each waited for (readiness)
 * before the next, then reports RUNNING; services outlive the Berth process that started them.
 * On a container runtime they share a per-session network (runs of the pipeline join it); on the
 * process runtime they are host commands on their declared ports on 127.0.0.1.
 * Restart policy (from the moment a service is ready): drivers with capabilities.restart restart
 * natively; on the others every `status` (and every run in the session) restarts ended services
 * whose policy says so.
 */
export class SessionManager {
  readonly #config: BerthConfig;
  readonly #runtimes: StepRuntimes;
  readonly #rows: SessionRepository;
  readonly #projects: ProjectRepository;
  readonly #leases: LeaseRepository;
  readonly #teardowns: SessionTeardown;
  readonly #vars: EnvVars;
  readonly #host = thisProcess().host;

  readonly #log: Logger;

  /**
   * `hook` records each session state change (and a project/pipeline first seen here) as an event;
   * `onTeardown` is called once a session's workloads are gone (its kernels' `stopped` events are recorded then, before the session's).
   */
  constructor(deps: { db: Kysely<Database>; config: BerthConfig; runtimes: StepRuntimes; envVars: EnvVars; hook: StateChangeHook; log: Logger; onTeardown?: (sessionUuid: string) => Promise<void> }) {
    this.#log = deps.log;
    this.#config = deps.config;
    this.#runtimes = deps.runtimes;
    this.#rows = new SessionRepository(deps.db, { hook: deps.hook });
    this.#projects = new ProjectRepository(deps.db, { hook: deps.hook });
    this.#leases = new LeaseRepository(deps.db);
    this.#teardowns = new SessionTeardown({ db: deps.db, config: deps.config, runtimes: deps.runtimes, rows: this.#rows, log: deps.log, onTeardown: deps.onTeardown });
    this.#vars = deps.envVars;
  }

  /** Starts (or, when already RUNNING with every service up, returns) the pipeline's session. */
  async start(pipelineFile: string, opts: SessionStartOptions = {}): Promise<SessionView> {
    const loaded = loadPipeline(pipelineFile);
    const now = isoNow();
    const project = await this.#projects.ensure(loaded.projectDir, projectNameOf(loaded.projectDir), now);
    await this.#projects.touchPipeline(project.uuid, loaded.pipeline.uuid, loaded.relativePath, loaded.pipeline.name, now);
    const uuid = interactiveSessionUuid(project.uuid, loaded.pipeline.uuid);
    const existing = await this.#rows.get(uuid);
    if (existing?.status === 'RUNNING') {
      const view = await this.#view(existing);
      if (view.services.every((s) => s.state === 'running')) return view;
      await this.#teardown(existing);
    }
    const runtime = await this.#runtimes.get(opts.runtime ?? this.#config.runtime);
    await runtime.driver.init();
    const row: SessionRow = {
      uuid, project_uuid: project.uuid, pipeline_uuid: loaded.pipeline.uuid, pipeline_file: loaded.file, runtime: runtime.name,
      status: 'STARTING', reason: null, owner_pid: thisProcess().pid, owner_host: thisProcess().host, owner_start: thisProcess().start, created_at: now, updated_at: now,
    };
    const ownerGone = await this.#goneOwners();
    if (!(await this.#rows.claim(row, (r) => ownerGone(r) !== null))) {
      throw new BerthError('BERTH_E_CONFLICT', `the session of ${loaded.relativePath} is being started or stopped by another berth process`, {
        problems: [{ path: 'PIPELINE_FILE', message: 'session busy', fix: 'wait for it, then see `berth session status`' }],
      });
    }
    try {
      await this.#startServices(row, project.name, loaded, runtime, opts);
      await this.#startJupyter(row, loaded, runtime, opts);
    } catch (e) {
      const reason = e instanceof Error ? e.message : String(e);
      await this.#teardown(row).catch((err: unknown) => this.#log.warn({ session: uuid, err: errorText(err) }, 'session start failed; tearing down what it started failed too'));
      await this.#rows.setStatus(uuid, 'FAILED', reason, isoNow(), { pid: null, host: null, start: null });
      throw e instanceof BerthError ? e : new BerthError('BERTH_E_SESSION_START', reason, { cause: e });
    }
    await this.#rows.setStatus(uuid, 'RUNNING', null, isoNow(), { pid: null, host: null, start: null });
    // Every service was just seen ready: no need to ask the runtime again.
    return this.#view((await this.#rows.get(uuid))!, { allRunning: true });
  }

  /** Stops every service of the pipeline's session (named volumes stay). Idempotent. */
  async stop(pipelineFile: string): Promise<SessionView> {
    return this.#stop(await this.#find(pipelineFile));
  }

  /** Stops a session by its uuid (e.g. when its project is deleted; its pipeline file may be gone). */
  async stopByUuid(uuid: string): Promise<void> {
    const row = await this.#rows.get(uuid);
    if (row) await this.#stop(row);
  }

  async #stop(row: SessionRow): Promise<SessionView> {
    // Stopping a stopped session only sweeps leftovers: it is no new state (and no second `stopped` event).
    if (row.status === 'STOPPED') {
      await this.#teardown(row);
      return this.#view(row);
    }
    await this.#rows.setStatus(row.uuid, 'STOPPING', null, isoNow(), { pid: thisProcess().pid, host: thisProcess().host, start: thisProcess().start });
    await this.#teardown(row);
    await this.#rows.setStatus(row.uuid, 'STOPPED', null, isoNow(), { pid: null, host: null, start: null });
    return this.#view((await this.#rows.get(row.uuid))!);
  }

  /**
   * The host a pipeline's session runs its services on when that is not this one (a server there
   * answers for them: their workloads, ports and logs are there); null when here, or not started.
   */
  async hostElsewhere(pipelineFile: string): Promise<string | null> {
    const row = await this.#find(pipelineFile).catch(() => null);
    if (!row || row.status === 'STOPPED' || row.status === 'FAILED') return null;
    return (await this.#rows.services(row.uuid)).map((s) => s.host).find((h): h is string => h !== null && h !== this.#host) ?? null;
  }

  /** The session as it really is (each service's workload asked); restarts ended services per policy on the process runtime. */
  async status(pipelineFile: string): Promise<SessionView> {
    const row = await this.#find(pipelineFile);
    if (row.status === 'RUNNING') await this.#applyRestartPolicy(row);
    return this.#view(row);
  }

  async list(): Promise<SessionView[]> {
    return Promise.all((await this.#rows.list()).map((r) => this.#view(r)));
  }

  /** The running session of a pipeline, if any (runs join it). */
  async active(projectUuid: string, pipelineUuid: string): Promise<ActiveSession | null> {
    const row = await this.#rows.get(interactiveSessionUuid(projectUuid, pipelineUuid));
    if (row?.status !== 'RUNNING') return null;
    await this.#applyRestartPolicy(row);
    const runtime = await this.#runtimes.get(row.runtime as RuntimeName);
    return { uuid: row.uuid, runtime: row.runtime, network: runtime.driver.capabilities.isolation ? sessionNetworkName(row.uuid) : null };
  }

  /**
   * A job run's own session (Orchest's: uuid = the run's uuid): its services whose scope includes
   * "noninteractive", started and waited for like a session's; null when it has none. The row keeps
   * the run's pid as owner while it runs, so reconcile ends the services of a run whose Berth died.
   */
  async startForRun(run: { uuid: string; project_uuid: string; pipeline_uuid: string }, loaded: LoadedPipeline, runtime: StepRuntime, opts: SessionStartOptions = {}): Promise<ActiveSession | null> {
    if (!Object.values(loaded.pipeline.services ?? {}).some((s) => s.scope.includes('noninteractive'))) return null;
    const now = isoNow();
    const row: SessionRow = {
      uuid: run.uuid, project_uuid: run.project_uuid, pipeline_uuid: run.pipeline_uuid, pipeline_file: loaded.file, runtime: runtime.name,
      status: 'STARTING', reason: null, owner_pid: thisProcess().pid, owner_host: thisProcess().host, owner_start: thisProcess().start, created_at: now, updated_at: now,
    };
    await this.#rows.claim(row, () => true);
    const projectName = (await this.#projects.findByPath(loaded.projectDir))?.name ?? projectNameOf(loaded.projectDir);
    try {
      await this.#startServices(row, projectName, loaded, runtime, opts, 'noninteractive');
    } catch (e) {
      await this.#teardown(row).catch((err: unknown) => this.#log.warn({ session: row.uuid, err: errorText(err) }, "a job run's session failed to start; tearing down what it started failed too"));
      await this.#rows.setStatus(row.uuid, 'FAILED', e instanceof Error ? e.message : String(e), isoNow());
      throw e;
    }
    await this.#rows.setStatus(row.uuid, 'RUNNING', null, isoNow());
    return { uuid: row.uuid, runtime: runtime.name, network: runtime.driver.capabilities.isolation ? sessionNetworkName(row.uuid) : null };
  }

  /** Ends a job run's session: its services stop and are removed. */
  async endForRun(uuid: string): Promise<void> {
    const row = await this.#rows.get(uuid);
    if (!row) return;
    await this.#teardown(row).catch((err: unknown) => this.#log.warn({ session: uuid, err: errorText(err) }, "ending a job run's session: its teardown failed"));
    await this.#rows.setStatus(uuid, 'STOPPED', null, isoNow(), { pid: null, host: null, start: null });
  }

  /** A session service's output (follow: until it ends or the signal aborts). */
  async logs(pipelineFile: string, service: string, opts: { follow?: boolean; signal?: AbortSignal } = {}): Promise<AsyncIterable<LogChunk>> {
    const row = await this.#find(pipelineFile);
    const svc = (await this.#rows.services(row.uuid)).find((s) => s.name === service);
    if (!svc) {
      throw new BerthError('BERTH_E_SERVICE_NOT_FOUND', `the session of ${pipelineFile} has no service "${service}"`, {
        problems: [{ path: 'NAME', message: 'no such service in this session', fix: 'see `berth session status PIPELINE_FILE`' }],
      });
    }
    const handle = parseHandle(svc.handle_json);
    if (!handle) return (async function* () {})();
    return (await this.#runtimes.get(row.runtime as RuntimeName)).driver.logs(handle, opts);
  }

  /**
   * After a crash: sessions whose starting/stopping Berth died become FAILED and lose their
   * workloads; on the runtimes opened so far, workloads of sessions that are not active are removed.
   */
  async reconcile(): Promise<void> {
    const ownerGone = await this.#goneOwners();
    for (const row of await this.#rows.list()) {
      const gone = ownerGone(row);
      if (gone === null) continue;
      if (row.status === 'STARTING' || row.status === 'STOPPING') {
        const reason = `${gone} ${row.status === 'STARTING' ? 'starting' : 'stopping'} this session ${gone.startsWith('the berth server') ? 'stopped renewing its lease' : 'exited first'}`;
        this.#log.warn({ session: row.uuid }, `reconcile: ${reason}; tearing it down`);
        await this.#teardown(row).catch((e: unknown) => this.#log.warn({ session: row.uuid, err: errorText(e) }, 'reconcile: teardown failed'));
        await this.#rows.setStatus(row.uuid, row.status === 'STARTING' ? 'FAILED' : 'STOPPED', reason, isoNow(), { pid: null, host: null, start: null });
      } else if (row.status === 'RUNNING' && row.owner_pid !== null) {
        // A job run's session outlives no run: its Berth died mid-run.
        this.#log.warn({ session: row.uuid }, `reconcile: ${gone} running this job run's session is gone; tearing it down`);
        await this.#teardown(row).catch((e: unknown) => this.#log.warn({ session: row.uuid, err: errorText(e) }, 'reconcile: teardown failed'));
        await this.#rows.setStatus(row.uuid, 'STOPPED', `${gone} running its job run exited`, isoNow(), { pid: null, host: null, start: null });
      }
    }
    for (const runtime of await this.#runtimes.opened()) {
      for (const handle of await runtime.driver.list({}).catch(() => [] as WorkloadHandle[])) {
        const session = handle.labels.session;
        if (session === undefined || handle.labels.service === undefined) continue;
        const row = await this.#rows.get(session);
        if (row && ACTIVE.includes(row.status)) continue;
        await runtime.driver.remove(handle).then(
          () => {
            if (handle.labels.service === JUPYTER_SERVICE && !runtime.driver.capabilities.isolation) this.#teardowns.sweepKernels(session);
            this.#log.info({ runtime: runtime.name, workload: handle.id }, 'reconcile: removed a workload of a session that is not active');
          },
          (e: unknown) => this.#log.warn({ runtime: runtime.name, workload: handle.id, err: errorText(e) }, 'reconcile: could not remove a workload of an inactive session'),
        );
      }
    }
  }

  async #startServices(row: SessionRow, projectName: string, loaded: LoadedPipeline, runtime: StepRuntime, opts: SessionStartOptions, scope: ServiceScope = 'interactive'): Promise<void> {
    const isolated = runtime.driver.capabilities.isolation;
    const services = Object.values(loaded.pipeline.services ?? {})
      .filter((s) => s.scope.includes(scope))
      .filter((s) => {
        if (isolated || s.command || !opts.skipUnrunnable) return true;
        opts.onProgress?.(`service ${s.name}: not started: it has only an image (${s.image}) and the ${runtime.name} runtime runs host commands (add "command", or use --runtime docker)`);
        return false;
      })
      .sort((a, b) => (a.order ?? 0) - (b.order ?? 0));
    const inherited = await this.#inherited(row.project_uuid, row.pipeline_uuid);
    // Host services see it, and a container's bind of /data needs it (the engine refuses a missing source).
    mkdirSync(this.#config.dataDir, { recursive: true });
    for (const [position, def] of services.entries()) {
      opts.signal?.throwIfAborted();
      const svc: SessionServiceRow = {
        session_uuid: row.uuid, name: def.name, position, definition_json: JSON.stringify(def), handle_json: null,
        log_path: join(this.#config.home, 'sessions', row.uuid, `${def.name}.log`), restarts: 0, host: null,
      };
      await this.#rows.addService(svc);
      opts.onProgress?.(`service ${def.name}: starting`);
      const pull = !runtime.driver.capabilities.pullsImages;
      const { image, gpuSupport } = isolated ? await this.#image(runtime.name, def, loaded.projectDir, pull, (l) => opts.onProgress?.(`service ${def.name}: ${l}`)) : { image: '', gpuSupport: false };
      const spec = this.#spec(row, def, { projectName, loaded, isolated, hostMounts: runtime.mountSupport?.().ok === true, image, gpuSupport, inherited, logPath: svc.log_path, sessionType: scope });
      // A service restarts only once it has been ready: a crash while starting fails the start. Where
      // the policy is fixed at creation (a Kubernetes Deployment) the kubelet restarts it meanwhile;
      // a crash loop shows as not running, which fails the start all the same.
      const first = runtime.driver.capabilities.restartFixedAtStart ? spec.restart : 'no';
      const handle = await runtime.driver.start({ ...spec, restart: first }, opts.signal);
      await this.#rows.setServiceHandle(row.uuid, def.name, JSON.stringify(handle), this.#host);
      const ready = await waitServiceReady(runtime.driver, handle, def.ports, { timeoutMs: opts.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS, signal: opts.signal });
      if (!ready.ready) {
        const tail = await logTail(runtime, handle);
        throw new BerthError('BERTH_E_SESSION_START', `service "${def.name}" did not become ready: ${ready.reason}${tail ? `\n--- last output of ${def.name} ---\n${tail}` : ''}`, {
          problems: [{ path: `services.${def.name}`, message: ready.reason, fix: `see its log: ${svc.log_path}` }],
        });
      }
      await runtime.driver.setRestartPolicy?.(handle, spec.restart ?? 'no');
      opts.onProgress?.(`service ${def.name}: ready (${ready.by === 'healthcheck' ? 'HEALTHCHECK healthy' : `port${def.ports.length > 1 ? 's' : ''} ${def.ports.join(', ')} open`})`);
    }
  }

  /** The session's Jupyter server (a session service of Berth's own, JUPYTER_SERVICE), waited for like a service; or why there is none. */
  async #startJupyter(row: SessionRow, loaded: LoadedPipeline, runtime: StepRuntime, opts: SessionStartOptions): Promise<void> {
    opts.signal?.throwIfAborted();
    if (opts.git) await startSessionGit(this.#config.home, row.uuid, opts.git, { runtime: runtime.name, projectUuid: row.project_uuid, projectDir: loaded.projectDir });
    const input = {
      sessionUuid: row.uuid, projectUuid: row.project_uuid, pipelineUuid: row.pipeline_uuid, pipelineFile: loaded.file, projectDir: loaded.projectDir,
      inherited: await this.#inherited(row.project_uuid, row.pipeline_uuid), onProgress: opts.onProgress,
    };
    const plan = runtime.name === 'docker'
      ? await planDockerJupyter(this.#config, {
        ...input,
        environmentImage: async (uuid, onProgress) => (await (await this.#runtimes.environmentImages(runtime.name)).ensure(loadEnvironment(loaded.projectDir, uuid), onProgress, loaded.projectDir)).image,
        ensureImage: async (image, onProgress) => (await this.#runtimes.environmentImages(runtime.name)).ensurePulled(image, onProgress),
      })
      : await planSessionJupyter(this.#config, { ...input, runtime });
    if ('skipped' in plan) {
      opts.onProgress?.(`jupyter: not started: ${plan.skipped}`);
      return stopSessionGit(this.#config.home, row.uuid);
    }
    const position = (await this.#rows.services(row.uuid)).length;
    await this.#rows.addService({ session_uuid: row.uuid, name: JUPYTER_SERVICE, position, definition_json: JSON.stringify(plan.definition), handle_json: null, log_path: plan.spec.logPath, restarts: 0, host: null });
    opts.onProgress?.(`jupyter: starting (${plan.definition.image.replace(/^host:/, '')})`);
    const handle = await runtime.driver.start(plan.spec, opts.signal);
    await this.#rows.setServiceHandle(row.uuid, JUPYTER_SERVICE, JSON.stringify(handle), this.#host);
    const timeoutMs = opts.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
    const upstream = serviceUpstream(handle, plan.definition.ports[0]!);
    const ready = (await jupyterAnswers(upstream.port, plan.definition.env_variables!.JUPYTER_TOKEN!, { timeoutMs, signal: opts.signal, running: () => runtime.driver.isRunning(handle) }))
      ? { ready: true as const }
      : { ready: false as const, reason: (await runtime.driver.isRunning(handle)) ? `it did not answer api/status within ${timeoutMs / 1000} s` : 'it exited' };
    if (!ready.ready) {
      const tail = await logTail(runtime, handle);
      throw new BerthError('BERTH_E_SESSION_START', `the session's Jupyter server did not become ready: ${ready.reason}${tail ? `\n--- last output of Jupyter ---\n${tail}` : ''}`, {
        problems: [{ path: 'jupyter', message: ready.reason, fix: `see its log: ${plan.spec.logPath} (or set BERTH_SESSION_JUPYTER=off)` }],
      });
    }
    opts.onProgress?.('jupyter: ready');
  }

  /**
   * Starts and removes the kernel host containers of Docker sessions as their Jupyter asks for kernels
   * (a Berth server runs it: kernels are asked for only through its proxy). Close it before the engine.
   */
  kernelHosts(log: Logger): KernelHostLauncher {
    const sessions = kernelHostSessions({ config: this.#config, rows: this.#rows, inherited: (project, pipeline) => this.#inherited(project, pipeline) });
    return new KernelHostLauncher({ home: this.#config.home, driver: async () => (await this.#runtimes.get('docker')).driver, log, sessions });
  }

  #spec(
    row: SessionRow,
    def: ServiceDefinition,
    at: { projectName: string; loaded: LoadedPipeline; isolated: boolean; hostMounts?: boolean; image: string; gpuSupport?: boolean; inherited: Record<string, string>; logPath: string; sessionType: ServiceScope },
  ) {
    return sessionServiceSpec(def, {
      sessionUuid: row.uuid, sessionType: at.sessionType, projectUuid: row.project_uuid, projectName: at.projectName, pipelineUuid: row.pipeline_uuid,
      pipelinePath: at.isolated ? `/project-dir/${at.loaded.relativePath}` : at.loaded.file,
      projectDir: at.loaded.projectDir, dataDir: this.#config.dataDir, isolated: at.isolated, hostMounts: at.hostMounts, image: at.image, gpuSupport: at.gpuSupport,
      inherited: at.inherited, base: this.#config.baseEnv, logPath: at.logPath,
    });
  }

  /** The service's image (pulled or built now), and whether it is a gpu_support environment's. */
  /** `pull`: a missing service image is pulled here (not where the runtime's nodes fetch images themselves). */
  async #image(runtime: RuntimeName, def: ServiceDefinition, projectDir: string, pull: boolean, onProgress: (line: string) => void): Promise<{ image: string; gpuSupport: boolean }> {
    const uuid = environmentReference(def.image);
    const images = await this.#runtimes.environmentImages(runtime);
    if (uuid === null) {
      // A missing image is pulled now, its progress part of the session's start.
      const image = images.serviceImage(def.image);
      if (image !== def.image) onProgress(`image ${def.image} is ${image} (BERTH_ORCHEST_IMAGES)`);
      if (pull) await images.ensurePulled(image, onProgress);
      return { image, gpuSupport: false };
    }
    const env = loadEnvironment(projectDir, uuid);
    return { image: (await images.ensure(env, onProgress, projectDir)).image, gpuSupport: env.gpuSupport === true };
  }

  /** Project variables overlaid by the pipeline's (what services may inherit). */
  async #inherited(projectUuid: string, pipelineUuid: string): Promise<Record<string, string>> {
    const vars = await this.#vars.forRun(projectUuid, pipelineUuid);
    return { ...vars.project, ...vars.pipeline };
  }

  /** Stops and removes the session's workloads and what else it leaves (session-teardown.ts). */
  #teardown(row: SessionRow): Promise<void> {
    return this.#teardowns.run(row);
  }

  async #applyRestartPolicy(row: SessionRow): Promise<void> {
    const runtime = await this.#runtimes.get(row.runtime as RuntimeName);
    if (runtime.driver.capabilities.restart) return;
    for (const svc of await this.#rows.services(row.uuid)) {
      const handle = parseHandle(svc.handle_json);
      const def = JSON.parse(svc.definition_json) as ServiceDefinition;
      const policy = def.berth_restart ?? 'on-failure';
      // Another host's workload is not this server's to judge or restart (its runtime is there).
      if (svc.host !== null && svc.host !== this.#host) continue;
      if (!handle || policy === 'no' || (await runtime.driver.isRunning(handle))) continue;
      const exit = await runtime.driver.wait(handle);
      if (policy === 'on-failure' && exit.code === 0) continue;
      const loaded = loadPipeline(row.pipeline_file);
      await runtime.driver.remove(handle);
      const projectName = (await this.#projects.findByPath(loaded.projectDir))?.name ?? projectNameOf(loaded.projectDir);
      const inherited = await this.#inherited(row.project_uuid, row.pipeline_uuid);
      const spec = this.#spec(row, def, { projectName, loaded, isolated: false, hostMounts: runtime.mountSupport?.().ok === true, image: '', inherited, logPath: svc.log_path, sessionType: 'interactive' });
      await this.#rows.setServiceHandle(row.uuid, svc.name, JSON.stringify(await runtime.driver.start(spec)), this.#host);
      await this.#rows.countRestart(row.uuid, svc.name);
    }
  }

  async #view(row: SessionRow, known: { allRunning?: boolean } = {}): Promise<SessionView> {
    const runtime = await this.#runtimes.get(row.runtime as RuntimeName);
    const services = await Promise.all(
      (await this.#rows.services(row.uuid)).map(async (svc) => {
        const handle = parseHandle(svc.handle_json);
        const live = known.allRunning ? handle ?? undefined : handle ? (await runtime.driver.list({ session: row.uuid, service: svc.name }))[0] : undefined;
        const state = !live ? ('missing' as const) : known.allRunning || (await runtime.driver.isRunning(live)) ? ('running' as const) : ('exited' as const);
        const def = JSON.parse(svc.definition_json) as ServiceDefinition;
        const ports = Object.fromEntries(def.ports.map((p) => {
          const up = serviceUpstream(live ?? handle, p);
          return [String(p), `${up.host}:${up.port}`];
        }));
        return { row: svc, state, ports };
      }),
    );
    return sessionView(row, services, runtime.driver.capabilities.isolation);
  }

  async #find(pipelineFile: string): Promise<SessionRow> {
    const loaded = loadPipeline(pipelineFile);
    const project = await this.#projects.findByPath(loaded.projectDir);
    const row = project ? await this.#rows.get(interactiveSessionUuid(project.uuid, loaded.pipeline.uuid)) : undefined;
    if (row) return row;
    throw new BerthError('BERTH_E_SESSION_NOT_FOUND', `${loaded.relativePath} has no session`, {
      problems: [{ path: 'PIPELINE_FILE', message: 'no session was started for this pipeline', fix: `berth session start ${pipelineFile}` }],
    });
  }

  /**
   * Whether a session's recorded owner is gone: on this host by its pid, elsewhere (servers sharing a
   * PostgreSQL store) by its server lease having expired.
   */
  async #goneOwners(): Promise<(row: SessionRow) => string | null> {
    const expired = new Set((await this.#leases.expired(isoNow())).map((l) => `${l.host}:${l.pid}`));
    return (row) => {
      const state = ownerState({ pid: row.owner_pid, host: row.owner_host, start: row.owner_start });
      if (state === 'gone') return `the berth process (pid ${row.owner_pid})`;
      if (state === 'elsewhere' && expired.has(`${row.owner_host}:${row.owner_pid}`)) return `the berth server (host ${row.owner_host}, pid ${row.owner_pid})`;
      return null;
    };
  }

}

async function logTail(runtime: StepRuntime, handle: WorkloadHandle): Promise<string> {
  let text = '';
  try {
    for await (const chunk of runtime.driver.logs(handle)) text = (text + chunk.data).slice(-2000);
  } catch {
    return '';
  }
  return text.split('\n').slice(-15).join('\n').trim();
}

function parseHandle(json: string | null): WorkloadHandle | null {
  return json ? (JSON.parse(json) as WorkloadHandle) : null;
}

function isoNow(): string {
  return new Date().toISOString();
}
