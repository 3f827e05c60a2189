import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { BerthConfig, RuntimeName } from '../config/config.ts';
import type { PipelineDefinition } from '../core/pipeline-types.ts';
import { serializePipeline } from '../core/pipeline-validation.ts';
import { planRun, resolveStepSelectors, type RunPlan } from '../core/run-planner.ts';
import { interactiveSessionUuid } from '../core/step-environment.ts';
import type { RunType } from '../core/statuses.ts';
import type { ProjectRepository } from '../store/project-repository.ts';
import type { RunRepository, RunRow } from '../store/run-repository.ts';
import { checkStepFiles, loadPipeline, projectNameOf, stepFileError, type LoadedPipeline } from '../projects/pipeline-loader.ts';
import type { EnvVars } from '../projects/env-vars.ts';
import type { RunObserver } from '../runs/run-events.ts';
import type { RunOptions } from '../runs/run-options.ts';
import { RunExecutor, type PreparedStep } from '../runs/run-executor.ts';
import { precreateStepLogs, stepLogPath } from '../runs/precreate-step-logs.ts';
import type { RunReport } from '../runs/run-report.ts';
import type { StepRuntimes } from '../runs/step-runtimes.ts';
import type { StepRuntime } from '../runs/step-runtime.ts';
import { stepOutputsDir } from '../runs/step-outputs.ts';
import { thisProcess } from '../leases/owner-lease.ts';
import type { SessionManager, ActiveSession } from '../sessions/session-manager.ts';

const QUEUE_POLL_MS = 250;

/** What a pipeline run needs from the composition root (the Engine builds it once). */
export interface PipelineRunnerDeps {
  config: BerthConfig;
  projects: ProjectRepository;
  runs: RunRepository;
  runtimes: StepRuntimes;
  sessions: SessionManager;
  envVars: EnvVars;
  /** The run's report as the store holds it. */
  report: (runUuid: string) => Promise<RunReport>;
  /** Ends runs whose runner died (a queued run calls it while it waits for its turn). */
  reconcile: () => Promise<void>;
}

/**
 * Runs one pipeline from its file to its end state: plans it, records the run and its steps,
 * waits for its turn, starts or joins its session's services, and hands the steps to a RunExecutor
 * on the chosen runtime. Invalid input throws before anything is written.
 */
export class PipelineRunner {
  readonly #d: PipelineRunnerDeps;

  constructor(deps: PipelineRunnerDeps) {
    this.#d = deps;
  }

  /** Runs a pipeline to its end state and returns the report. Invalid input throws before anything is written. */
  async run(opts: RunOptions): Promise<RunReport> {
    const loaded = loadPipeline(opts.pipelinePath, opts.projectDir);
    const selected = resolveStepSelectors(loaded.pipeline, opts.steps ?? []);
    const runType: RunType = opts.runType ?? (selected.length > 0 ? 'selection' : 'full');
    const plan = planRun(loaded.pipeline, runType, selected);
    const effective = applyParams(loaded.pipeline, opts.params ?? {});
    const problems = checkStepFiles(loaded, plan.steps);
    if (problems.length > 0) throw stepFileError(loaded, problems);
    const runtime = await this.#d.runtimes.get(opts.runtime ?? this.#d.config.runtime);
    // The runtime's helpers (the process launcher, its mount probe) start while the run is recorded.
    runtime.driver.warm?.();
    const run = await this.#createRun(loaded, effective, plan, runType, opts, runtime.name);
    opts.onCreated?.(run.uuid);
    const observe = opts.observe ?? (() => {});
    if (!(await this.#waitForTurn(run, observe, opts.signal))) return this.#d.report(run.uuid);
    if (!(await this.#runtimeReady(run, runtime))) return this.#d.report(run.uuid);
    observe({ type: 'run-started', runUuid: run.uuid, steps: plan.steps.length });
    const logsReady = precreateStepLogs(plan.steps.map((s) => stepLogPath(run.run_dir, s)));
    const job = run.kind === 'job';
    const sessionUuid = job ? run.uuid : interactiveSessionUuid(run.project_uuid, run.pipeline_uuid);
    let session: ActiveSession | null;
    try {
      session = job ? await this.#d.sessions.startForRun(run, loaded, runtime) : await this.#interactiveSession(run, loaded, runtime, observe, opts.signal);
    } catch (e) {
      const reason = `the run's services did not start: ${e instanceof Error ? e.message : String(e)}`;
      await this.#d.runs.finish(run.uuid, 'FAILURE', isoNow(), reason);
      await this.#d.runs.abortActiveSteps(run.uuid, isoNow(), `not run: ${reason}`);
      await logsReady;
      return this.#d.report(run.uuid);
    }
    const storedEnv = await this.#d.envVars.forRun(run.project_uuid, run.pipeline_uuid);
    const executor = new RunExecutor({
      runUuid: run.uuid,
      plan,
      titles: new Map(plan.steps.map((s) => [s, effective.steps[s]?.title ?? s])),
      prepare: (step) =>
        this.#prepareStep(loaded, effective, run, step, sessionUuid, { run: opts.env ?? {}, stored: storedEnv, python: opts.python }, runtime, (line) =>
          observe({ type: 'step-progress', runUuid: run.uuid, stepUuid: step, title: effective.steps[step]?.title ?? step, line }),
        ).then((prepared) => joinSession(prepared, session, runtime)),
      driver: runtime.driver,
      runs: this.#d.runs,
      parallelism: effective.settings.max_steps_parallelism ?? this.#d.config.defaultParallelism,
      failFast: opts.failFast ?? false,
      graceMs: this.#d.config.stopGraceMs,
      now: isoNow,
      observe,
      signal: opts.signal,
    });
    try {
      await executor.execute();
    } finally {
      await logsReady;
      if (job && session) await this.#d.sessions.endForRun(session.uuid);
    }
    return this.#d.report(run.uuid);
  }

  /**
   * An interactive run of a pipeline with interactive services joins its session, started first
   * (as Orchest's session was) when it is not running: every service is ready before a step starts.
   * The session stays up after the run, as Orchest's did (`berth session stop` ends it). On a host
   * runtime, services with only an image are left out (and said so): the steps still run.
   */
  async #interactiveSession(run: RunRow, loaded: LoadedPipeline, runtime: StepRuntime, observe: RunObserver, signal?: AbortSignal): Promise<ActiveSession | null> {
    const wanted = Object.values(loaded.pipeline.services ?? {}).filter((s) => s.scope.includes('interactive'));
    if (wanted.length > 0 && (await this.#d.sessions.active(run.project_uuid, run.pipeline_uuid)) === null) {
      const say = (line: string): void => observe({ type: 'session-progress', runUuid: run.uuid, line });
      if (!runtime.driver.capabilities.isolation && wanted.every((s) => !s.command)) {
        for (const s of wanted) say(`service ${s.name}: not started: it has only an image (${s.image}) and the ${runtime.name} runtime runs host commands (add "command", or use --runtime docker)`);
        return null;
      }
      say(`starting the session of ${loaded.relativePath} (its services keep running after the run; berth session stop ${loaded.relativePath} ends them)`);
      await this.#d.sessions.start(loaded.file, { runtime: runtime.name, onProgress: say, signal, skipUnrunnable: true });
    }
    return this.#d.sessions.active(run.project_uuid, run.pipeline_uuid);
  }

  async #createRun(loaded: LoadedPipeline, effective: PipelineDefinition, plan: RunPlan, runType: RunType, opts: RunOptions, runtime: RuntimeName): Promise<RunRow> {
    const now = isoNow();
    // A job run works in its own copy of the job's snapshot but belongs to the job's project.
    const project = opts.job ? { uuid: opts.job.projectUuid } : await this.#d.projects.ensure(loaded.projectDir, projectNameOf(loaded.projectDir), now);
    if (!opts.job) await this.#d.projects.touchPipeline(project.uuid, effective.uuid, loaded.relativePath, effective.name, now);
    const uuid = opts.job?.runUuid ?? randomUUID();
    const runDir = join(this.#d.config.home, 'runs', uuid);
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
      kind: opts.job ? 'job' : (opts.kind ?? 'interactive'),
      status: 'PENDING',
      fail_fast: opts.failFast ? 1 : 0,
      parameters_json: JSON.stringify(opts.params ?? {}),
      runtime,
      run_dir: runDir,
      reason: null,
      owner_pid: thisProcess().pid,
      owner_host: thisProcess().host,
      owner_start: thisProcess().start,
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
      status: 'PENDING' as const,
      started_at: null,
      finished_at: null,
      exit_code: null,
      reason: null,
      log_path: stepLogPath(runDir, s),
      handle_json: null,
    }));
    await this.#d.runs.create(run, steps);
    return run;
  }

  /** Interactive runs of one pipeline go one at a time, in creation order. False when cancelled while queued. */
  async #waitForTurn(run: RunRow, observe: RunObserver, signal?: AbortSignal): Promise<boolean> {
    let announced = false;
    while (!(await this.#d.runs.claim(run.uuid, isoNow()))) {
      const status = await this.#d.runs.status(run.uuid);
      if (status !== 'PENDING' || signal?.aborted) {
        const reason = signal?.aborted ? 'cancelled by the user while queued' : 'cancelled while queued';
        await this.#d.runs.finish(run.uuid, 'ABORTED', isoNow(), reason);
        await this.#d.runs.abortActiveSteps(run.uuid, isoNow(), reason);
        return false;
      }
      if (!announced) {
        const ahead = (await this.#d.runs.list({ limit: 50, pipelineUuid: run.pipeline_uuid })).find(
          (r) => r.uuid !== run.uuid && r.status === 'STARTED' && r.kind === 'interactive',
        );
        observe({ type: 'run-queued', runUuid: run.uuid, waitingFor: ahead?.uuid ?? 'an earlier run' });
        announced = true;
      }
      await this.#d.reconcile();
      await new Promise((r) => setTimeout(r, QUEUE_POLL_MS));
    }
    return true;
  }

  #prepareStep(
    loaded: LoadedPipeline,
    effective: PipelineDefinition,
    run: RunRow,
    stepUuid: string,
    sessionUuid: string,
    env: { run: Record<string, string>; stored: { project: Record<string, string>; pipeline: Record<string, string> }; python?: string },
    runtime: StepRuntime,
    onProgress: (line: string) => void,
  ): Promise<PreparedStep> {
    const step = effective.steps[stepUuid]!;
    mkdirSync(this.#d.config.dataDir, { recursive: true });
    const outputsDir = stepOutputsDir(this.#d.config.home, run);
    mkdirSync(outputsDir, { recursive: true });
    return runtime.prepareStep({
      id: `${run.uuid}-${stepUuid}`,
      labels: { project: run.project_uuid, pipeline: run.pipeline_uuid, run: run.uuid, step: stepUuid },
      logPath: stepLogPath(run.run_dir, stepUuid),
      step,
      file: resolve(dirname(loaded.file), step.file_path),
      projectDir: loaded.projectDir,
      runDir: run.run_dir,
      identity: {
        projectUuid: run.project_uuid,
        projectDir: loaded.projectDir,
        pipelineUuid: run.pipeline_uuid,
        pipelinePath: join(run.run_dir, 'pipeline.json'),
        stepUuid,
        stepTitle: step.title,
        runUuid: run.uuid,
        sessionUuid,
        sessionType: run.kind === 'job' ? 'noninteractive' : 'interactive',
        dataDir: this.#d.config.dataDir,
        stepParameters: step.parameters,
        pipelineParameters: effective.parameters,
      },
      runEnv: env.run,
      storedEnv: env.stored,
      outputsDir,
      notebookOut: join(run.run_dir, 'notebooks', `${stepUuid}.ipynb`),
      python: env.python,
      onProgress,
    });
  }

  /** A runtime that cannot start (e.g. Docker unreachable) fails the run with its reason instead of each step. */
  async #runtimeReady(run: RunRow, runtime: StepRuntime): Promise<boolean> {
    try {
      await runtime.driver.init();
      return true;
    } catch (e) {
      const reason = e instanceof Error ? e.message : String(e);
      await this.#d.runs.finish(run.uuid, 'FAILURE', isoNow(), reason);
      await this.#d.runs.abortActiveSteps(run.uuid, isoNow(), `not run: ${reason}`);
      return false;
    }
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

/**
 * A run inside a running session reaches its services: step containers join the session network
 * (services answer there to their name and `<name>-<session uuid>`); host processes are told that
 * services listen on 127.0.0.1 (the SDK's internal_hostname then says so).
 */
function joinSession(prepared: PreparedStep, session: ActiveSession | null, runtime: StepRuntime): PreparedStep {
  if (!prepared.ok || !session || session.runtime !== runtime.name) return prepared;
  if (session.network) prepared.spec.network = { name: session.network };
  else prepared.spec.env.BERTH_SERVICES_HOST = '127.0.0.1';
  return prepared;
}

function isoNow(): string {
  return new Date().toISOString();
}
