import { randomUUID } from 'node:crypto';
import { realpathSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import type { HelperHealth } from '../runtimes/driver.ts';
import { openEnvironmentShell, shellUser, type OpenedShell } from '../runs/environment-shells.ts';
import type { BerthConfig, RuntimeName } from '../config/config.ts';
import type { Status } from '../core/statuses.ts';
import { BerthError } from '../errors.ts';
import { createLogger, errorText, type Logger } from '../log.ts';
import { JobService } from '../jobs/job-service.ts';
import { Outbox } from '../events/outbox.ts';
import { BuildRepository } from '../store/build-repository.ts';
import { JobRepository } from '../store/job-repository.ts';
import type { StateChange, StateChangeHook } from '../store/state-change.ts';
import { openStore } from '../store/open-store.ts';
import { startSharedStoreDuties, type SharedStoreDuties } from '../leases/shared-store-duties.ts';
import { ProjectRepository } from '../store/project-repository.ts';
import { RunRepository, type RunRow } from '../store/run-repository.ts';
import type { Database } from '../store/tables.ts';
import { InstanceService } from '../instances/instance-service.ts';
import { loadCheckedPipeline, projectNameOf, type LoadedPipeline } from '../projects/pipeline-loader.ts';
import type { RunOptions } from '../runs/run-options.ts';
import { runReport, type RunReport } from '../runs/run-report.ts';
import { StepRuntimes } from '../runs/step-runtimes.ts';
import { RuntimeRegistry } from '../runtimes/runtime-registry.ts';
import { ProjectCatalog } from '../projects/project-catalog.ts';
import { TokenRegistry } from '../auth/token-registry.ts';
import { WebSessions } from '../auth/web-sessions.ts';
import { ServiceAccess } from '../auth/service-access.ts';
import { ServiceManager } from '../services/service-manager.ts';
import { InstanceRepository } from '../store/instance-repository.ts';
import { kyselySqlRunner } from '../store/kysely-sql-runner.ts';
import type { ManagedDriver } from '../runtimes/managed-driver.ts';
import { BuildQueue } from '../environments/build-queue.ts';
import { ownerState, thisProcess, useHostId } from '../leases/owner-lease.ts';
import type { EnvironmentImage } from '../environments/environment-images.ts';
import { findEnvironments, loadEnvironment } from '../environments/environment-loader.ts';
import { EnvVars } from '../projects/env-vars.ts';
import { GitCredentials } from '../projects/git-credentials.ts';
import { checkGitUrl, gitClone, projectNameFromUrl } from '../projects/git-import.ts';
import type { Project } from '../store/project-repository.ts';
import { SessionManager } from '../sessions/session-manager.ts';
import { PipelineRunner } from './pipeline-runner.ts';

export type { RunOptions } from '../runs/run-options.ts';

export interface EngineOptions {
  /** The clock of tickets and service sessions (tests move it). */
  now?: () => number;
  /** Berth's log (default: pino on stderr at config.logLevel). */
  logger?: Logger;
}

/**
 * The composition root and facade: opens the store and builds every repository and service once,
 * with the state-change hook that records events (required everywhere, so no change goes
 * unrecorded), over one shared set of runtime drivers. The CLI uses it in-process; the server hosts
 * it. Nobody else builds these objects, and nobody gets the database handle.
 */
export class Engine {
  readonly config: BerthConfig;
  readonly #db: Kysely<Database>;
  readonly #projects: ProjectRepository;
  readonly #runs: RunRepository;
  readonly #runtimes: StepRuntimes;
  /** Every runtime's shared driver: runs, sessions, services and instances all use these. */
  readonly runtimes: RuntimeRegistry;
  readonly #host = thisProcess().host;
  #instances: InstanceService | undefined;
  /** Pipeline runs from file to end state (plan, record, session, steps). */
  readonly #runner: PipelineRunner;
  /** Registered projects and their pipeline files. */
  readonly projects: ProjectCatalog;
  /** API tokens (admin and project-scoped). */
  readonly tokens: TokenRegistry;
  /** Project and pipeline environment variables. */
  readonly envVars: EnvVars;
  /** Token holders' git identities and SSH keys. */
  readonly git: GitCredentials;
  /** Interactive sessions of pipelines and their services (`berth session`). */
  readonly sessions: SessionManager;
  /** Long-lived project services (ML Lab's deploy), on the default runtime. */
  readonly services: ServiceManager;
  /** Tickets and service sessions: browsers reach services on their own origins without the user's token. */
  readonly serviceAccess: ServiceAccess;
  /** The web UI's sign-ins: a session id in the cookie, never the token. */
  readonly webSessions: WebSessions;
  /** Berth's own log: reconcile corrections and errors that are handled but worth knowing. */
  readonly log: Logger;
  /** Where services reach Berth's API (set by the server once it listens). */
  #endpoint = 'http://127.0.0.1:7420';
  /** Events, webhooks and the delivery dispatcher. */
  readonly outbox: Outbox;
  /** Jobs: create, list, pause/resume/trigger/cancel/remove, and the due batches the scheduler starts. */
  readonly jobs: JobService;
  /** Called by repositories inside each state change's transaction: records the event (and its deliveries). */
  readonly #hook: StateChangeHook;
  /** Events being recorded outside any repository (shells): close() waits for them. */
  readonly #recording = new Set<Promise<void>>();
  /** Environment image builds: slots, queue, history. */
  readonly builds: BuildQueue;

  private constructor(config: BerthConfig, db: Kysely<Database>, opts: EngineOptions) {
    this.config = config;
    this.#db = db;
    this.log = opts.logger ?? createLogger(config.logLevel);
    this.outbox = new Outbox(db, config, isoNow);
    // Every state change records its event (and outbox deliveries) in its own transaction.
    const hook: StateChangeHook = (this.#hook = async (tx, change) => {
      await this.outbox.recorder.record(tx, change);
      if (change.entity === 'run' && ['succeeded', 'failed', 'cancelled'].includes(change.verb)) await jobRepository.afterRunEnded(tx, change.runUuid, isoNow());
    });
    const jobRepository = new JobRepository(db, { hook });
    this.#projects = new ProjectRepository(db, { hook });
    this.#runs = new RunRepository(db, { hook, limits: { interactive: config.limits.interactiveRuns, job: config.limits.jobRuns } });
    this.runtimes = new RuntimeRegistry(config);
    this.#runtimes = new StepRuntimes(config, this.runtimes);
    // Environment builds queue for a slot in the store (BERTH_MAX_BUILDS); their rows' changes record the events.
    this.builds = new BuildQueue(new BuildRepository(db, { hook, limit: config.limits.builds }), this.log.child({ component: 'builds' }));
    this.#runtimes.useBuildSlots(this.builds);
    this.jobs = new JobService({ jobs: jobRepository, projects: this.#projects, config, runner: this });
    this.projects = new ProjectCatalog(db, { hook });
    this.tokens = new TokenRegistry(db);
    this.envVars = new EnvVars(db, this.outbox.key);
    this.git = new GitCredentials(db, this.outbox.key, config.baseEnv.PATH ?? '/usr/local/bin:/usr/bin:/bin');
    this.sessions = new SessionManager({ db, config, runtimes: this.#runtimes, envVars: this.envVars, hook, log: this.log.child({ component: 'sessions' }), onTeardown: (uuid) => this.services.kernels.ended(uuid) });
    this.services = new ServiceManager({ db, driver: () => this.runtimes.driver(config.runtime), driverNamed: (name) => this.runtimes.driver(name), tokens: this.tokens, config, endpoint: () => this.#endpoint, containerEndpoint: (runtime) => (runtime === 'kubernetes' ? config.kubernetes.settings.endpoint : `http://host.docker.internal:${new URL(this.#endpoint).port}`), hook });
    this.serviceAccess = new ServiceAccess(db, { now: opts.now, tokens: this.tokens });
    this.webSessions = new WebSessions(db, { now: opts.now, tokens: this.tokens });
    this.#runner = new PipelineRunner({
      config, projects: this.#projects, runs: this.#runs, runtimes: this.#runtimes, sessions: this.sessions, envVars: this.envVars,
      report: (uuid) => this.report(uuid), reconcile: () => this.reconcile(),
    });
  }

  /** Opens the store under config.home and reconciles runs whose runner process died. */
  static async open(config: BerthConfig, opts: EngineOptions = {}): Promise<Engine> {
    useHostId(config.hostId);
    const db = await openStore(config.database);
    const engine = new Engine(config, db, opts);
    await engine.outbox.syncTelemetry();
    await engine.envVars.sealPlaintext();
    await engine.reconcile();
    return engine;
  }

  /**
   * A server sharing a PostgreSQL store with others: its lease, the reaper of gone servers' work,
   * scheduler leadership and other servers' events (nothing to do on SQLite).
   */
  shareStore(log: (line: string) => void): Promise<SharedStoreDuties> {
    return startSharedStoreDuties({ db: this.#db, hook: this.#hook, config: this.config, forwardKey: this.outbox.key.derive('server forward v1'), onRunsEnded: (uuids) => this.#stopWorkloadsOf(uuids), onServerGone: () => this.sessions.reconcile(), onEvents: () => this.outbox.recorder.nudge(), log });
  }

  /** Named background instances (`berth instance`), owned by the OS user running Berth (root is admin). */
  get instances(): InstanceService {
    if (!this.#instances) {
      const user = userInfo();
      this.#instances = new InstanceService({ repo: new InstanceRepository(kyselySqlRunner(this.#db)), config: this.config, user: { name: user.username, uid: user.uid, admin: user.uid === 0 }, runtimes: this.runtimes });
    }
    return this.#instances;
  }

  /** The helper processes of the drivers opened so far (the process launcher), for /api/health. */
  async helpers(): Promise<HelperHealth[]> {
    return (await this.runtimes.opened()).flatMap((d) => d.helpers());
  }

  /** Tells services where Berth's API answers (the server calls this once it listens). */
  serveAt(url: string): void {
    this.#endpoint = url;
  }

  async close(): Promise<void> {
    await this.services.kernels.close();
    await Promise.all([...this.#recording]);
    await this.#instances?.close();
    await this.runtimes.close();
    await this.#db.destroy();
  }

  /** Loads and validates a pipeline file and its step files (throws BerthError listing every problem). */
  validate(pipelinePath: string): LoadedPipeline {
    return loadCheckedPipeline(pipelinePath);
  }

  /** Runs a pipeline to its end state and returns the report. Invalid input throws before anything is written. */
  runPipeline(opts: RunOptions): Promise<RunReport> {
    return this.#runner.run(opts);
  }

  /**
   * Builds (or finds, by content hash) the images of the environments under `path`: a project folder
   * or one environment folder, with the default runtime's builder (builder Jobs on a cluster for
   * the kubernetes runtime with BERTH_KUBE_REGISTRY). Throws BERTH_E_ENV_BUILD at the first failing build.
   */
  async buildEnvironments(
    path: string,
    opts: { onStart?: (env: { uuid: string; name: string; image: string }) => void; onProgress?: (env: { uuid: string; name: string }, line: string) => void } = {},
  ): Promise<EnvironmentImage[]> {
    const found = findEnvironments(path);
    const { uuids } = found;
    const images = await this.#runtimes.environmentImages(this.config.runtime);
    // The project is registered (as a run would) so its builds' events name it.
    const projectDir = realpathSync(found.projectDir);
    await this.#projects.ensure(projectDir, projectNameOf(projectDir), isoNow());
    const results: EnvironmentImage[] = [];
    for (const uuid of uuids) {
      const env = loadEnvironment(projectDir, uuid);
      opts.onStart?.({ uuid, name: env.name, image: await images.tag(env) });
      results.push(await images.ensure(env, (line) => opts.onProgress?.(env, line), projectDir));
    }
    return results;
  }

  /**
   * An interactive shell in one of the project's environments (by uuid or name), as its steps see
   * it, with the project's stored variables (runs/environment-shells.ts). The caller closes it.
   */
  async openShell(opts: { project: string; environment: string; cols?: number; rows?: number; gitHolder?: string; onProgress?: (line: string) => void }): Promise<OpenedShell> {
    const project = await this.projects.find(opts.project);
    const stored = await this.envVars.forRun(project.uuid, '');
    const identity = opts.gitHolder === undefined ? {} : await this.git.identityEnv(opts.gitHolder);
    // The holder's SSH keys reach the shell only through an agent's socket, for as long as it lives.
    const agent = opts.gitHolder === undefined ? null : await this.git.agent(opts.gitHolder, { owner: await shellUser(this.config.runtime, this.runtimes, project.uuid, project.path) });
    try {
      const opened = await openEnvironmentShell(this.config, this.#runtimes, this.runtimes, {
        projectUuid: project.uuid,
        projectDir: project.path,
        environment: opts.environment,
        runtime: this.config.runtime,
        env: { ...stored.project, ...identity },
        sshAgent: agent ?? undefined,
        cols: opts.cols ?? 80,
        rows: opts.rows ?? 24,
        onProgress: opts.onProgress,
      });
      if (agent) void opened.terminal.exited.then(() => agent.stop());
      const shell = { id: randomUUID(), environmentUuid: opened.environment.uuid, environmentName: opened.environment.name };
      await this.#record({ entity: 'environment-shell', verb: 'started', projectUuid: project.uuid, shell });
      void opened.terminal.exited.then((code) => this.#record({ entity: 'environment-shell', verb: 'stopped', projectUuid: project.uuid, shell: { ...shell, exitCode: code } }));
      return opened;
    } catch (e) {
      await agent?.stop();
      throw e;
    }
  }

  /** Records a change that has no row of its own (a shell) as an event, in a transaction of its own; close() waits for it. */
  #record(change: StateChange): Promise<void> {
    const done: Promise<void> = this.#db
      .transaction()
      .execute((tx) => this.#hook(tx, change))
      .catch((e: unknown) => this.log.warn({ entity: change.entity, verb: change.verb, err: String(e) }, 'recording an event failed'))
      .finally(() => this.#recording.delete(done));
    this.#recording.add(done);
    return done;
  }

  /**
   * Clones GIT_URL into BERTH_HOME/projects/<name> with the holder's stored SSH keys and registers it
   * as project `name` (default: the repository's name). Nothing is left behind when it fails.
   */
  async importProject(opts: { url: string; name?: string; holder: string }): Promise<Project> {
    const url = checkGitUrl(opts.url);
    const name = opts.name ?? projectNameFromUrl(url);
    await this.projects.checkNewName(name);
    const dest = join(this.config.home, 'projects', name);
    await this.git.withSsh(opts.holder, url, (env, explain) => gitClone(url, dest, { ...this.config.baseEnv, ...env }, explain));
    try {
      return await this.projects.create(name, dest);
    } catch (e) {
      rmSync(dest, { recursive: true, force: true });
      throw e;
    }
  }

  /** Cancels an active run: running steps get the stop signal, then SIGKILL after the grace period. */
  async cancelRun(ref: string): Promise<RunReport> {
    const run = await this.findRun(ref);
    const reason = 'cancelled (berth cancel)';
    if (await this.#runs.finish(run.uuid, 'ABORTED', isoNow(), reason)) {
      await this.#runs.abortActiveSteps(run.uuid, isoNow(), reason);
      await this.#stopRunWorkloads(run);
    }
    return this.report(run.uuid);
  }

  /**
   * Runs whose runner process on this host is gone become FAILURE and their workloads are stopped;
   * then, on every runtime opened so far, workloads of runs that are no longer active are removed
   * (found by owner labels, so nothing a killed Berth started is left behind).
   */
  async reconcile(): Promise<void> {
    for (const run of await this.#runs.activeOwnedBy(this.#host)) {
      if (run.owner_pid === null || ownerState({ pid: run.owner_pid, host: run.owner_host, start: run.owner_start }) !== 'gone') continue;
      const reason = `the berth process (pid ${run.owner_pid}) running this run exited before it ended`;
      if (!(await this.#runs.finish(run.uuid, 'FAILURE', isoNow(), reason))) continue;
      this.log.warn({ run: run.uuid, ownerPid: run.owner_pid }, `reconcile: run marked FAILURE: ${reason}`);
      await this.#runs.abortActiveSteps(run.uuid, isoNow(), reason);
      await this.#stopRunWorkloads(run).catch((e: unknown) => this.log.warn({ run: run.uuid, err: errorText(e) }, 'reconcile: could not stop the workloads of a run whose owner died'));
    }
    for (const driver of await this.runtimes.opened()) {
      await this.#sweep(driver).catch((e: unknown) => this.log.warn({ runtime: driver.name, err: errorText(e) }, 'reconcile: could not sweep the runtime for workloads of ended runs'));
    }
    await this.sessions.reconcile();
    await this.builds.reclaim();
  }

  /** Removes a runtime's workloads whose run has ended (or is unknown to the store). */
  async #sweep(driver: ManagedDriver): Promise<void> {
    for (const handle of await driver.list({})) {
      const runUuid = handle.labels.run;
      if (runUuid === undefined) continue;
      const status = await this.#runs.status(runUuid);
      if (status === 'PENDING' || status === 'STARTED') continue;
      await driver.remove(handle);
      this.log.info({ runtime: driver.name, workload: handle.id, run: runUuid, status: status ?? 'unknown' }, 'reconcile: removed a workload of a run that is no longer active');
    }
  }

  /** Stops what still runs on this host for runs another server's lease left behind (ended by the reaper). */
  async #stopWorkloadsOf(runUuids: string[]): Promise<void> {
    for (const uuid of runUuids) {
      const run = await this.#runs.get(uuid);
      if (run) await this.#stopRunWorkloads(run).catch(() => undefined);
    }
  }

  /**
   * Stops what really runs for a run, found by owner label rather than by the handles in the store:
   * a runner can die between starting a workload and recording its handle.
   */
  async #stopRunWorkloads(run: RunRow): Promise<void> {
    const runtime = await this.#runtimes.get(run.runtime as RuntimeName);
    const handles = await runtime.driver.list({ run: run.uuid });
    await Promise.all(handles.map((h) => runtime.driver.stop(h, { graceMs: this.config.stopGraceMs })));
  }

  /** A run by uuid or prefix; with `projectUuid`, only that project's runs are looked at (others do not exist for the caller). */
  async findRun(ref: string, scope: { projectUuid?: string } = {}): Promise<RunRow> {
    if (!/^[0-9a-fA-F-]{1,36}$/.test(ref)) {
      throw new BerthError('BERTH_E_INVALID_ARGUMENT', `"${ref}" is not a run id`, {
        problems: [{ path: 'RUN', message: 'a run id is a uuid (or its first characters)', fix: 'see `berth runs` for ids' }],
      });
    }
    const found = await this.#runs.findByPrefix(ref.toLowerCase(), scope.projectUuid);
    if (found.length === 1) return found[0]!;
    throw new BerthError(found.length === 0 ? 'BERTH_E_RUN_NOT_FOUND' : 'BERTH_E_INVALID_ARGUMENT', found.length === 0 ? `no run ${ref}` : `"${ref}" matches several runs`, {
      problems: [{ path: 'RUN', message: found.length === 0 ? 'no run has this id' : 'ambiguous prefix', fix: found.length === 0 ? 'see `berth runs` for ids' : 'give more characters of the id' }],
    });
  }

  async report(ref: string): Promise<RunReport> {
    const run = await this.findRun(ref);
    return runReport(run, await this.#runs.steps(run.uuid));
  }

  /**
   * The pipeline as the run started it (the snapshot written into its run folder, parameters
   * applied), not the file as it is now: the run page draws this graph.
   */
  async runPipelineSnapshot(ref: string): Promise<{ path: string; pipeline: Record<string, unknown> }> {
    const run = await this.findRun(ref);
    let text: string;
    try {
      text = await readFile(join(run.run_dir, 'pipeline.json'), 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      throw new BerthError('BERTH_E_NOT_FOUND', `run ${run.uuid} has no pipeline snapshot (its run folder ${run.run_dir} was removed)`, {
        problems: [{ path: 'RUN', message: 'the run folder holds no pipeline.json', fix: 'open the pipeline file itself; runs keep their snapshot only while their folder is kept' }],
      });
    }
    return { path: run.pipeline_path, pipeline: JSON.parse(text) as Record<string, unknown> };
  }

  async listRuns(opts: { limit?: number; status?: Status; projectUuid?: string; pipelineUuid?: string } = {}): Promise<RunRow[]> {
    return this.#runs.list({ limit: opts.limit ?? 50, status: opts.status, projectUuid: opts.projectUuid, pipelineUuid: opts.pipelineUuid });
  }

  /** A step of a run by uuid (or prefix) or title, with its log file. */
  async findStep(runRef: string, stepRef: string): Promise<{ run: RunRow; step: RunReport['steps'][number] }> {
    const run = await this.findRun(runRef);
    const steps = runReport(run, await this.#runs.steps(run.uuid)).steps;
    const matches = steps.filter((s) => s.uuid === stepRef || s.title === stepRef);
    const byPrefix = matches.length ? matches : steps.filter((s) => stepRef.length >= 4 && s.uuid.startsWith(stepRef));
    if (byPrefix.length === 1) return { run, step: byPrefix[0]! };
    throw new BerthError('BERTH_E_STEP_NOT_FOUND', `run ${run.uuid.slice(0, 8)} has ${byPrefix.length ? 'several steps' : 'no step'} "${stepRef}"`, {
      problems: [{ path: 'STEP', message: byPrefix.length ? 'ambiguous' : 'unknown step', fix: `use one of: ${steps.map((s) => s.title).join(', ')}` }],
    });
  }
}

function isoNow(): string {
  return new Date().toISOString();
}
