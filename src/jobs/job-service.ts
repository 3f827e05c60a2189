import { randomUUID } from 'node:crypto';
import { cpSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { BerthConfig } from '../config/config.ts';
import { catchUp, nextTick } from '../core/job-schedule.ts';
import { PIPELINE_PARAMETERS, type ParameterSet } from '../core/parameter-grid.ts';
import type { JsonObject } from '../core/pipeline-types.ts';
import type { RunOptions } from '../runs/run-options.ts';
import { loadPipeline, projectNameOf } from '../projects/pipeline-loader.ts';
import type { RunReport } from '../runs/run-report.ts';
import { BerthError } from '../errors.ts';
import type { ClaimedBatch, JobRepository, JobRow, JobStatus } from '../store/job-repository.ts';
import type { ProjectRepository } from '../store/project-repository.ts';
import { resolveJobInput, type JobInput } from './job-input.ts';
import { jobView, type JobRunView, type JobView } from './job-view.ts';
import { snapshotProject } from '../projects/project-snapshot.ts';

/** What the job service needs from the engine (kept narrow so it is easy to host anywhere). */
export interface JobRunner {
  runPipeline(opts: RunOptions): Promise<RunReport>;
  cancelRun(ref: string): Promise<RunReport>;
}

export interface BatchResult {
  job: string;
  job_run_index: number;
  runs: Array<{ uuid: string; status: string; parameters: ParameterSet }>;
}

const LIVE: readonly JobStatus[] = ['DRAFT', 'PENDING', 'STARTED', 'PAUSED'];

/**
 * Jobs: a pipeline snapshot + a schedule + a parameter grid. Creates them, runs batches (one run
 * per parameter set, each in its own working copy of the snapshot), and manages their lifecycle.
 * Transport-free: the CLI calls it in-process, the API will call the same methods.
 */
export class JobService {
  readonly #jobs: JobRepository;
  readonly #projects: ProjectRepository;
  readonly #config: BerthConfig;
  readonly #runner: JobRunner;
  readonly #now: () => Date;
  readonly #log: (line: string) => void;

  constructor(deps: { jobs: JobRepository; projects: ProjectRepository; config: BerthConfig; runner: JobRunner; now?: () => Date; log?: (line: string) => void }) {
    this.#jobs = deps.jobs;
    this.#projects = deps.projects;
    this.#config = deps.config;
    this.#runner = deps.runner;
    this.#now = deps.now ?? (() => new Date());
    this.#log = deps.log ?? ((line) => process.stderr.write(`${line}\n`));
  }

  /**
   * Validates, snapshots the project (respecting .gitignore) and stores the job (DRAFT or PENDING).
   * `projectDir` (a registered project's folder) overrides the search for the project folder.
   */
  async create(input: JobInput, opts: { projectDir?: string } = {}): Promise<JobView> {
    const now = this.#now();
    const loaded = loadPipeline(input.pipeline_path, opts.projectDir);
    const resolved = resolveJobInput(input, loaded.pipeline, loaded.file, now);
    const uuid = randomUUID();
    const snapshotDir = join(this.#jobDir(uuid), 'snapshot');
    snapshotProject(loaded.projectDir, snapshotDir);
    const iso = now.toISOString();
    const project = await this.#projects.ensure(loaded.projectDir, projectNameOf(loaded.projectDir), iso);
    const cron = input.cron ?? null;
    const row: JobRow = {
      uuid,
      name: input.name.trim(),
      project_uuid: project.uuid,
      pipeline_uuid: loaded.pipeline.uuid,
      pipeline_name: loaded.pipeline.name,
      pipeline_path: relative(loaded.projectDir, loaded.file),
      schedule: cron,
      timezone: resolved.timezone,
      scheduled_start: input.scheduled_start ? new Date(input.scheduled_start).toISOString() : null,
      next_scheduled_time: input.draft ? null : this.#firstTime(cron, resolved.timezone, input.scheduled_start ?? null, now),
      last_scheduled_time: null,
      status: input.draft ? 'DRAFT' : 'PENDING',
      parameters_json: JSON.stringify(resolved.combinations),
      grid_json: JSON.stringify(resolved.grid),
      env_json: JSON.stringify(input.env_variables ?? {}),
      max_retained_pipeline_runs: input.max_retained_pipeline_runs ?? -1,
      snapshot_dir: snapshotDir,
      total_scheduled_executions: 0,
      total_scheduled_pipeline_runs: 0,
      created_at: iso,
      updated_at: iso,
    };
    try {
      await this.#jobs.create(row);
    } catch (e) {
      rmSync(this.#jobDir(uuid), { recursive: true, force: true });
      throw e;
    }
    return jobView(row);
  }

  /** What `create` would run per batch, without creating anything (the combinations, indexed). */
  preview(input: JobInput, opts: { projectDir?: string } = {}): ParameterSet[] {
    const loaded = loadPipeline(input.pipeline_path, opts.projectDir);
    return resolveJobInput({ ...input, exclude: [] }, loaded.pipeline, loaded.file, this.#now()).combinations;
  }

  async list(opts: { projectUuid?: string; status?: string } = {}): Promise<JobView[]> {
    return (await this.#jobs.list(opts)).map(jobView);
  }

  async show(ref: string): Promise<{ job: JobView; runs: JobRunView[] }> {
    const job = await this.find(ref);
    const runs = (await this.#jobs.runs(job.uuid)).map((r) => ({
      uuid: r.run_uuid,
      status: r.status,
      job_run_index: r.job_run_index,
      job_run_pipeline_run_index: r.job_run_pipeline_run_index,
      pipeline_run_index: r.pipeline_run_index,
      parameters: JSON.parse(r.parameters_json) as ParameterSet,
      work_dir: r.work_dir,
      created_at: r.created_at,
      started_at: r.started_at,
      finished_at: r.finished_at,
      reason: r.reason,
    }));
    return { job: jobView(job), runs };
  }

  /** Pauses a cron job: no tick fires until it is resumed. */
  async pause(ref: string): Promise<JobView> {
    const job = await this.find(ref);
    if (!job.schedule) throw stateError(job, 'pause', 'only cron jobs pause; cancel a one-off job instead');
    await this.#move(job, ['PENDING', 'STARTED'], 'PAUSED', 'paused', { next_scheduled_time: null }, 'pause');
    return jobView((await this.#jobs.get(job.uuid))!);
  }

  /** Resumes a paused cron job (next tick computed from now), or confirms a draft. */
  async resume(ref: string): Promise<JobView> {
    const job = await this.find(ref);
    const now = this.#now();
    if (job.status === 'DRAFT') {
      await this.#move(job, ['DRAFT'], 'PENDING', 'updated', { next_scheduled_time: this.#firstTime(job.schedule, job.timezone, job.scheduled_start, now) }, 'resume');
    } else {
      const next = job.schedule ? nextTick(job.schedule, job.timezone, now)?.toISOString() ?? null : null;
      await this.#move(job, ['PAUSED'], 'STARTED', 'unpaused', { next_scheduled_time: next }, 'resume');
    }
    return jobView((await this.#jobs.get(job.uuid))!);
  }

  /** Cancels a job: no more batches, and its active runs are aborted. */
  async cancel(ref: string): Promise<JobView> {
    const job = await this.find(ref);
    await this.#move(job, LIVE, 'ABORTED', 'cancelled', { next_scheduled_time: null }, 'cancel');
    await this.#abortRuns(job.uuid);
    return jobView((await this.#jobs.get(job.uuid))!);
  }

  /** Deletes a job with its runs, snapshot and working copies (active runs are aborted first). */
  async remove(ref: string): Promise<JobView> {
    const job = await this.find(ref);
    await this.#jobs.transition(job.uuid, LIVE, 'ABORTED', null, this.#now().toISOString(), { next_scheduled_time: null });
    await this.#abortRuns(job.uuid);
    const runs = await this.#jobs.runs(job.uuid);
    await this.#jobs.delete(job.uuid);
    for (const r of runs) this.#removeDir(r.run_dir);
    this.#removeDir(this.#jobDir(job.uuid));
    return jobView(job);
  }

  /**
   * Runs one batch of the job now, whatever its schedule, and waits for its runs to end.
   * `onClaimed` is told the batch index as soon as the batch is claimed (before its runs start).
   */
  async trigger(ref: string, opts: { signal?: AbortSignal; observe?: RunOptions['observe']; onClaimed?: (jobRunIndex: number) => void } = {}): Promise<BatchResult> {
    const job = await this.find(ref);
    const combos = JSON.parse(job.parameters_json) as ParameterSet[];
    const claimed = await this.#jobs.claimBatch(job.uuid, {
      size: combos.length,
      now: this.#now().toISOString(),
      expectNext: null,
      from: ['PENDING', 'STARTED', 'PAUSED'],
      ...(job.schedule ? {} : { nextScheduledTime: null }),
    });
    if (!claimed) throw stateError(job, 'trigger', job.status === 'DRAFT' ? 'resume the draft first' : 'the job has ended; create a new one');
    opts.onClaimed?.(claimed.jobRunIndex);
    return this.#runBatch(claimed, opts);
  }

  /**
   * Starts a batch for every job whose time has come (one batch per job however many cron ticks
   * were missed: the missed ones are logged, not replayed). Returns the batches' promises.
   */
  async startDue(opts: { signal?: AbortSignal } = {}): Promise<Promise<BatchResult>[]> {
    const now = this.#now();
    const started: Promise<BatchResult>[] = [];
    for (const job of await this.#jobs.due(now.toISOString())) {
      let next: string | null = null;
      if (job.schedule) {
        const due = new Date(job.next_scheduled_time!);
        const plan = catchUp(job.schedule, job.timezone, due, now);
        next = plan.next?.toISOString() ?? null;
        if (plan.missed > 0) {
          this.#log(`job "${job.name}" (${job.uuid.slice(0, 8)}): ${plan.missed}${plan.missed >= 1000 ? '+' : ''} more tick(s) since ${job.next_scheduled_time} were missed while no scheduler ran; running one catch-up batch for all of them`);
        }
      }
      const combos = JSON.parse(job.parameters_json) as ParameterSet[];
      const claimed = await this.#jobs.claimBatch(job.uuid, { size: combos.length, now: now.toISOString(), expectNext: job.next_scheduled_time, nextScheduledTime: next, from: ['PENDING', 'STARTED'] });
      if (claimed) started.push(this.#runBatch(claimed, opts));
    }
    return started;
  }

  /** Deletes ended runs beyond the job's retention (`max_retained_pipeline_runs`), with their folders. */
  async prune(jobUuid: string): Promise<number> {
    const job = await this.#jobs.get(jobUuid);
    if (!job || job.max_retained_pipeline_runs < 0) return 0;
    const limit = job.total_scheduled_pipeline_runs - 1 - job.max_retained_pipeline_runs;
    const old = (await this.#jobs.runs(jobUuid)).filter((r) => r.pipeline_run_index <= limit && !['PENDING', 'STARTED'].includes(r.status));
    await this.#jobs.deleteRuns(old.map((r) => r.run_uuid));
    for (const r of old) {
      this.#removeDir(r.run_dir);
      this.#removeDir(r.work_dir);
    }
    return old.length;
  }

  /** A job by name, uuid or uuid prefix. */
  async find(ref: string): Promise<JobRow> {
    const found = await this.#jobs.find(ref);
    if (found.length === 1) return found[0]!;
    throw new BerthError('BERTH_E_JOB_NOT_FOUND', found.length ? `"${ref}" matches several jobs` : `no job "${ref}"`, {
      problems: [{ path: 'JOB', message: found.length ? 'ambiguous: give more of the uuid' : 'no job has this name or id', fix: 'see `berth job list`' }],
    });
  }

  async #runBatch(claimed: ClaimedBatch, opts: { signal?: AbortSignal; observe?: RunOptions['observe'] }): Promise<BatchResult> {
    const { job } = claimed;
    const combos = JSON.parse(job.parameters_json) as ParameterSet[];
    const env = JSON.parse(job.env_json) as Record<string, string>;
    await this.prune(job.uuid);
    const runs = await Promise.all(
      combos.map(async (parameters, i) => {
        const runUuid = randomUUID();
        const workDir = join(this.#jobDir(job.uuid), 'runs', runUuid);
        cpSync(job.snapshot_dir, workDir, { recursive: true });
        await this.#jobs.linkRun({
          run_uuid: runUuid, job_uuid: job.uuid, job_run_index: claimed.jobRunIndex, job_run_pipeline_run_index: i,
          pipeline_run_index: claimed.firstPipelineRunIndex + i, batch_size: combos.length, parameters_json: JSON.stringify(parameters), work_dir: workDir,
        });
        try {
          const report = await this.#runner.runPipeline({
            pipelinePath: join(workDir, job.pipeline_path),
            params: runParams(parameters),
            env,
            job: { runUuid, projectUuid: job.project_uuid },
            signal: opts.signal,
            observe: opts.observe,
          });
          return { uuid: runUuid, status: report.run.status, parameters };
        } catch (e) {
          await this.#jobs.unlinkRun(runUuid);
          this.#removeDir(workDir);
          const reason = e instanceof Error ? e.message : String(e);
          this.#log(`job "${job.name}": run ${i} of batch ${claimed.jobRunIndex} could not start: ${reason}`);
          await this.#jobs.transition(job.uuid, ['PENDING', 'STARTED', 'PAUSED'], 'FAILURE', 'failed', this.#now().toISOString(), { next_scheduled_time: null });
          return { uuid: runUuid, status: 'FAILURE', parameters };
        }
      }),
    );
    await this.prune(job.uuid);
    return { job: job.uuid, job_run_index: claimed.jobRunIndex, runs };
  }

  async #move(job: JobRow, from: readonly JobStatus[], to: JobStatus, verb: Parameters<JobRepository['transition']>[3], set: Partial<JobRow>, action: string): Promise<void> {
    if (!(await this.#jobs.transition(job.uuid, from, to, verb, this.#now().toISOString(), set))) {
      const fresh = (await this.#jobs.get(job.uuid)) ?? job;
      throw stateError(fresh, action, `it must be ${from.join(' or ')}`);
    }
  }

  async #abortRuns(jobUuid: string): Promise<void> {
    for (const r of await this.#jobs.runs(jobUuid)) {
      if (r.status === 'PENDING' || r.status === 'STARTED') await this.#runner.cancelRun(r.run_uuid).catch(() => {});
    }
  }

  #firstTime(cron: string | null, timezone: string, scheduledStart: string | null, now: Date): string | null {
    if (cron) return nextTick(cron, timezone, now)?.toISOString() ?? null;
    return scheduledStart ? new Date(scheduledStart).toISOString() : now.toISOString();
  }

  #jobDir(uuid: string): string {
    return join(this.#config.home, 'jobs', uuid);
  }

  /** Removes a folder Berth made; anything outside BERTH_HOME is left alone. */
  #removeDir(dir: string): void {
    const rel = relative(this.#config.home, dir);
    if (!rel || rel.startsWith('..') || rel.startsWith('/')) return;
    rmSync(dir, { recursive: true, force: true });
  }
}

function runParams(set: ParameterSet): { pipeline: JsonObject; steps: Record<string, JsonObject> } {
  const steps: Record<string, JsonObject> = {};
  for (const [owner, values] of Object.entries(set)) if (owner !== PIPELINE_PARAMETERS) steps[owner] = values;
  return { pipeline: set[PIPELINE_PARAMETERS] ?? {}, steps };
}

function stateError(job: JobRow, action: string, fix: string): BerthError {
  return new BerthError('BERTH_E_JOB_STATE', `job "${job.name}" is ${job.status}: cannot ${action}`, { problems: [{ path: 'JOB', message: `status ${job.status}`, fix }] });
}
