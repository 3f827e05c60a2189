import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { Kysely } from 'kysely';
import type { BerthConfig } from '../config/config.ts';
import type { JsonObject, PipelineDefinition } from '../core/pipeline-types.ts';
import { serializePipeline } from '../core/pipeline-validation.ts';
import { planRun, resolveStepSelectors, type RunPlan } from '../core/run-planner.ts';
import { buildStepEnvironment, interactiveSessionUuid } from '../core/step-environment.ts';
import type { RunType, Status } from '../core/statuses.ts';
import type { RuntimeDriver } from '../drivers/driver.ts';
import { ManagedDriver } from '../drivers/managed-driver.ts';
import { findPython } from '../drivers/process/find-python.ts';
import { ProcessDriver } from '../drivers/process/process-driver.ts';
import { BerthError } from '../errors.ts';
import { JobService } from '../jobs/job-service.ts';
import { Outbox } from '../outbox/outbox.ts';
import { JobRepository } from '../store/job-repository.ts';
import type { StateChangeHook } from '../store/state-change.ts';
import { openStore } from '../store/open-store.ts';
import { ProjectRepository } from '../store/project-repository.ts';
import { RunRepository, type RunRow } from '../store/run-repository.ts';
import type { Database } from '../store/tables.ts';
import { checkStepFiles, loadPipeline, projectNameOf, type LoadedPipeline } from './pipeline-loader.ts';
import type { RunObserver } from './run-events.ts';
import { RunExecutor, type PreparedStep } from './run-executor.ts';
import { runReport, type RunReport } from './run-report.ts';
import { stepCommand } from './step-command.ts';

export interface RunOptions {
  pipelinePath: string;
  /** full (default), selection (the chosen steps) or incoming (their ancestors, not themselves). */
  runType?: RunType;
  /** Step uuids or titles, for selection / incoming runs. */
  steps?: string[];
  failFast?: boolean;
  /** Overrides of the file's parameters; step keys are step uuids or titles. */
  params?: { pipeline?: JsonObject; steps?: Record<string, JsonObject> };
  /** Run-level environment variables (win over project and pipeline variables). */
  env?: Record<string, string>;
  /** Ctrl-C: cancels the run. */
  signal?: AbortSignal;
  observe?: RunObserver;
  /** A job run: its pre-chosen uuid (linked to the job beforehand) and the job's project. */
  job?: { runUuid: string; projectUuid: string };
}

const QUEUE_POLL_MS = 250;

/**
 * The one object that does the work: store + runtime driver + run execution. The CLI uses it
 * in-process; the server will host it. Everything a user can do is a method here first.
 */
export class Engine {
  readonly config: BerthConfig;
  readonly #db: Kysely<Database>;
  readonly #projects: ProjectRepository;
  readonly #runs: RunRepository;
  readonly #driver: RuntimeDriver;
  readonly #host = hostname();
  /** Events, webhooks and the delivery dispatcher. */
  readonly outbox: Outbox;
  /** Jobs: create, list, pause/resume/trigger/cancel/remove, and the due batches the scheduler starts. */
  readonly jobs: JobService;

  private constructor(config: BerthConfig, db: Kysely<Database>, driver: RuntimeDriver) {
    this.config = config;
    this.#db = db;
    this.outbox = new Outbox(db, config, isoNow);
    // Every state change records its event (and outbox deliveries) in its own transaction.
    const hook: StateChangeHook = async (tx, change) => {
      await this.outbox.recorder.record(tx, change);
      if (change.entity === 'run' && ['succeeded', 'failed', 'cancelled'].includes(change.verb)) await jobRepository.afterRunEnded(tx, change.runUuid, isoNow());
    };
    const jobRepository = new JobRepository(db, { hook });
    this.#projects = new ProjectRepository(db, { hook });
    this.#runs = new RunRepository(db, { hook, limits: { interactive: config.limits.interactiveRuns, job: config.limits.jobRuns } });
    this.#driver = driver;
    this.jobs = new JobService({ jobs: jobRepository, projects: this.#projects, config, runner: this });
  }

  /** Opens the store under config.home and reconciles runs whose runner process died. */
  static async open(config: BerthConfig): Promise<Engine> {
    const db = await openStore(config.dbPath);
    const driver = new ManagedDriver(new ProcessDriver({ stateDir: join(config.home, 'workloads', 'process'), python: config.processLauncher === 'auto' ? findPython(config.baseEnv.PATH) : undefined }), {
      installation: config.home,
    });
    const engine = new Engine(config, db, driver);
    await engine.outbox.syncTelemetry();
    await engine.reconcile();
    return engine;
  }

  async close(): Promise<void> {
    await this.#driver.destroy();
    await this.#db.destroy();
  }

  /** Loads and validates a pipeline file (throws BerthError listing every problem). */
  validate(pipelinePath: string): LoadedPipeline {
    return loadPipeline(pipelinePath);
  }

  /** Runs a pipeline to its end state and returns the report. Invalid input throws before anything is written. */
  async runPipeline(opts: RunOptions): Promise<RunReport> {
    const loaded = loadPipeline(opts.pipelinePath);
    const selected = resolveStepSelectors(loaded.pipeline, opts.steps ?? []);
    const runType: RunType = opts.runType ?? (selected.length > 0 ? 'selection' : 'full');
    const plan = planRun(loaded.pipeline, runType, selected);
    const effective = applyParams(loaded.pipeline, opts.params ?? {});
    const problems = checkStepFiles(loaded, plan.steps);
    if (problems.length > 0) {
      throw new BerthError('BERTH_E_INVALID_PIPELINE', `${loaded.relativePath}: ${problems.length} step file problem(s)`, { problems });
    }
    const run = await this.#createRun(loaded, effective, plan, runType, opts);
    const observe = opts.observe ?? (() => {});
    if (!(await this.#waitForTurn(run, observe, opts.signal))) return this.report(run.uuid);
    observe({ type: 'run-started', runUuid: run.uuid, steps: plan.steps.length });
    // Orchest: a job run is its own (non-interactive) session.
    const sessionUuid = opts.job ? run.uuid : interactiveSessionUuid(run.project_uuid, run.pipeline_uuid);
    const executor = new RunExecutor({
      runUuid: run.uuid,
      plan,
      titles: new Map(plan.steps.map((s) => [s, effective.steps[s]?.title ?? s])),
      prepare: (step) => this.#prepareStep(loaded, effective, run, step, sessionUuid, opts.env ?? {}),
      driver: this.#driver,
      runs: this.#runs,
      parallelism: effective.settings.max_steps_parallelism ?? this.config.defaultParallelism,
      failFast: opts.failFast ?? false,
      graceMs: this.config.stopGraceMs,
      now: isoNow,
      observe,
      signal: opts.signal,
    });
    await executor.execute();
    return this.report(run.uuid);
  }

  async #createRun(loaded: LoadedPipeline, effective: PipelineDefinition, plan: RunPlan, runType: RunType, opts: RunOptions): Promise<RunRow> {
    const now = isoNow();
    // A job run works in its own copy of the job's snapshot but belongs to the job's project.
    const project = opts.job ? { uuid: opts.job.projectUuid } : await this.#projects.ensure(loaded.projectDir, projectNameOf(loaded.projectDir), now);
    if (!opts.job) await this.#projects.touchPipeline(project.uuid, effective.uuid, loaded.relativePath, effective.name, now);
    const uuid = opts.job?.runUuid ?? randomUUID();
    const runDir = join(this.config.home, 'runs', uuid);
    mkdirSync(join(runDir, 'logs'), { recursive: true });
    mkdirSync(join(runDir, 'notebooks'), { recursive: true });
    writeFileSync(join(runDir, 'pipeline.json'), serializePipeline(effective));
    const run: RunRow = {
      uuid,
      project_uuid: project.uuid,
      pipeline_uuid: effective.uuid,
      pipeline_path: loaded.relativePath,
      pipeline_name: effective.name,
      run_type: runType,
      kind: opts.job ? 'job' : 'interactive',
      status: 'PENDING',
      fail_fast: opts.failFast ? 1 : 0,
      parameters_json: JSON.stringify(opts.params ?? {}),
      runtime: this.#driver.name,
      run_dir: runDir,
      reason: null,
      owner_pid: process.pid,
      owner_host: this.#host,
      created_at: now,
      started_at: null,
      finished_at: null,
    };
    const steps = plan.steps.map((s, position) => ({
      run_uuid: uuid,
      step_uuid: s,
      title: effective.steps[s]?.title ?? s,
      file_path: effective.steps[s]?.file_path ?? '',
      position,
      status: 'PENDING',
      started_at: null,
      finished_at: null,
      exit_code: null,
      reason: null,
      log_path: join(runDir, 'logs', `${s}.log`),
      handle_json: null,
    }));
    await this.#runs.create(run, steps);
    return run;
  }

  /** Interactive runs of one pipeline go one at a time, in creation order. False when cancelled while queued. */
  async #waitForTurn(run: RunRow, observe: RunObserver, signal?: AbortSignal): Promise<boolean> {
    let announced = false;
    while (!(await this.#runs.claim(run.uuid, isoNow()))) {
      const status = await this.#runs.status(run.uuid);
      if (status !== 'PENDING' || signal?.aborted) {
        const reason = signal?.aborted ? 'cancelled by the user while queued' : 'cancelled while queued';
        await this.#runs.finish(run.uuid, 'ABORTED', isoNow(), reason);
        await this.#runs.abortActiveSteps(run.uuid, isoNow(), reason);
        return false;
      }
      if (!announced) {
        const ahead = (await this.#runs.list({ limit: 50, pipelineUuid: run.pipeline_uuid })).find(
          (r) => r.uuid !== run.uuid && r.status === 'STARTED' && r.kind === 'interactive',
        );
        observe({ type: 'run-queued', runUuid: run.uuid, waitingFor: ahead?.uuid ?? 'an earlier run' });
        announced = true;
      }
      await this.reconcile();
      await new Promise((r) => setTimeout(r, QUEUE_POLL_MS));
    }
    return true;
  }

  #prepareStep(loaded: LoadedPipeline, effective: PipelineDefinition, run: RunRow, stepUuid: string, sessionUuid: string, runEnv: Record<string, string>): PreparedStep {
    const step = effective.steps[stepUuid]!;
    const logPath = join(run.run_dir, 'logs', `${stepUuid}.log`);
    const file = resolve(dirname(loaded.file), step.file_path);
    const env = buildStepEnvironment(
      { base: this.config.baseEnv, run: runEnv },
      {
        projectUuid: run.project_uuid,
        projectDir: loaded.projectDir,
        pipelineUuid: run.pipeline_uuid,
        pipelinePath: join(run.run_dir, 'pipeline.json'),
        stepUuid,
        stepTitle: step.title,
        runUuid: run.uuid,
        sessionUuid,
        sessionType: run.kind === 'job' ? 'noninteractive' : 'interactive',
        dataDir: this.config.dataDir,
        stepParameters: step.parameters,
        pipelineParameters: effective.parameters,
      },
    );
    mkdirSync(this.config.dataDir, { recursive: true });
    const cmd = stepCommand(file, { path: env.PATH ?? '', nodePath: process.execPath, notebookOut: join(run.run_dir, 'notebooks', `${stepUuid}.ipynb`), kernel: step.kernel?.name });
    if (!cmd.ok) return { ok: false, reason: `step "${step.title}" (${step.file_path}): ${cmd.reason}`, logPath };
    return {
      ok: true,
      spec: {
        id: `${run.uuid}-${stepUuid}`,
        command: cmd.argv,
        cwd: dirname(file),
        env,
        labels: { project: run.project_uuid, pipeline: run.pipeline_uuid, run: run.uuid, step: stepUuid },
        logPath,
      },
    };
  }

  /** Cancels an active run: running steps get the stop signal, then SIGKILL after the grace period. */
  async cancelRun(ref: string): Promise<RunReport> {
    const run = await this.findRun(ref);
    const reason = 'cancelled (berth cancel)';
    if (await this.#runs.finish(run.uuid, 'ABORTED', isoNow(), reason)) {
      await this.#runs.abortActiveSteps(run.uuid, isoNow(), reason);
      await this.#stopRunWorkloads(run.uuid);
    }
    return this.report(run.uuid);
  }

  /** Runs whose runner process on this host is gone become FAILURE and their workloads are stopped. */
  async reconcile(): Promise<void> {
    for (const run of await this.#runs.activeOwnedBy(this.#host)) {
      if (run.owner_pid === null || isAlive(run.owner_pid)) continue;
      const reason = `the berth process (pid ${run.owner_pid}) running this run exited before it ended`;
      if (!(await this.#runs.finish(run.uuid, 'FAILURE', isoNow(), reason))) continue;
      await this.#runs.abortActiveSteps(run.uuid, isoNow(), reason);
      await this.#stopRunWorkloads(run.uuid);
    }
  }

  /**
   * Stops what really runs for a run, found by owner label rather than by the handles in the store:
   * a runner can die between starting a workload and recording its handle.
   */
  async #stopRunWorkloads(runUuid: string): Promise<void> {
    const handles = await this.#driver.list({ run: runUuid });
    await Promise.all(handles.map((h) => this.#driver.stop(h, { graceMs: this.config.stopGraceMs })));
  }

  /** A run by full uuid or unique prefix. */
  async findRun(ref: string): Promise<RunRow> {
    if (!/^[0-9a-fA-F-]{1,36}$/.test(ref)) {
      throw new BerthError('BERTH_E_INVALID_ARGUMENT', `"${ref}" is not a run id`, {
        problems: [{ path: 'RUN', message: 'a run id is a uuid (or its first characters)', fix: 'see `berth runs` for ids' }],
      });
    }
    const found = await this.#runs.findByPrefix(ref.toLowerCase());
    if (found.length === 1) return found[0]!;
    throw new BerthError(found.length === 0 ? 'BERTH_E_RUN_NOT_FOUND' : 'BERTH_E_INVALID_ARGUMENT', found.length === 0 ? `no run ${ref}` : `"${ref}" matches several runs`, {
      problems: [{ path: 'RUN', message: found.length === 0 ? 'no run has this id' : 'ambiguous prefix', fix: found.length === 0 ? 'see `berth runs` for ids' : 'give more characters of the id' }],
    });
  }

  async report(ref: string): Promise<RunReport> {
    const run = await this.findRun(ref);
    return runReport(run, await this.#runs.steps(run.uuid));
  }

  async listRuns(opts: { limit?: number; status?: Status } = {}): Promise<RunRow[]> {
    return this.#runs.list({ limit: opts.limit ?? 50, status: opts.status });
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

function applyParams(pipeline: PipelineDefinition, params: NonNullable<RunOptions['params']>): PipelineDefinition {
  const copy = structuredClone(pipeline);
  Object.assign(copy.parameters, params.pipeline ?? {});
  for (const [selector, values] of Object.entries(params.steps ?? {})) {
    const [uuid] = resolveStepSelectors(copy, [selector]);
    Object.assign(copy.steps[uuid!]!.parameters, values);
  }
  return copy;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function isoNow(): string {
  return new Date().toISOString();
}
