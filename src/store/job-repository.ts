import type { Kysely } from 'kysely';
import type { JobVerb, StateChangeHook } from './state-change.ts';
import type { Database, JobRunsTable, JobsTable } from './tables.ts';

export type JobRow = JobsTable;
export type JobRunRow = JobRunsTable;
import { JOB_STATUSES, type JobStatus } from '../core/job-status.ts';

export { JOB_STATUSES, type JobStatus };

/** A batch the scheduler claimed: the job as updated (counters advanced) and where its run indexes start. */
export interface ClaimedBatch {
  job: JobRow;
  jobRunIndex: number;
  firstPipelineRunIndex: number;
}

/**
 * Jobs and the link from each job run to its job. Status changes are conditional updates (from an
 * expected set of states) that report an event in the same transaction.
 */
export class JobRepository {
  readonly #db: Kysely<Database>;
  readonly #hook: StateChangeHook | undefined;

  constructor(db: Kysely<Database>, opts: { hook?: StateChangeHook } = {}) {
    this.#db = db;
    this.#hook = opts.hook;
  }

  async create(job: JobRow): Promise<void> {
    await this.#db.transaction().execute(async (tx) => {
      await tx.insertInto('jobs').values(job).execute();
      await this.#hook?.(tx, { entity: 'job', verb: 'created', jobUuid: job.uuid });
    });
  }

  /** Moves a job from one of `from` to `to` (with extra column updates). Returns whether it moved. */
  async transition(uuid: string, from: readonly JobStatus[], to: JobStatus, verb: JobVerb | null, now: string, set: Partial<JobRow> = {}): Promise<boolean> {
    return this.#db.transaction().execute(async (tx) => {
      const res = await tx.updateTable('jobs').set({ ...set, status: to, updated_at: now }).where('uuid', '=', uuid).where('status', 'in', from).executeTakeFirst();
      const moved = Number(res.numUpdatedRows) === 1;
      if (moved && verb) await this.#hook?.(tx, { entity: 'job', verb, jobUuid: uuid });
      return moved;
    });
  }

  /**
   * Claims one batch of `size` runs: advances the counters and the schedule, and marks the job
   * STARTED, in one conditional update. `expectNext` (the due time the caller saw) makes two
   * schedulers racing for the same tick produce one batch; null skips that check (trigger now).
   */
  async claimBatch(uuid: string, opts: { size: number; now: string; nextScheduledTime?: string | null; expectNext: string | null; from: readonly JobStatus[] }): Promise<ClaimedBatch | null> {
    return this.#db.transaction().execute(async (tx) => {
      let q = tx
        .updateTable('jobs')
        .set((eb) => ({
          total_scheduled_executions: eb('total_scheduled_executions', '+', 1),
          total_scheduled_pipeline_runs: eb('total_scheduled_pipeline_runs', '+', opts.size),
          last_scheduled_time: opts.now,
          updated_at: opts.now,
          status: eb.case().when('status', '=', 'PAUSED').then('PAUSED').else('STARTED').end().$castTo<JobStatus>(),
          ...(opts.nextScheduledTime !== undefined ? { next_scheduled_time: opts.nextScheduledTime } : {}),
        }))
        .where('uuid', '=', uuid)
        .where('status', 'in', opts.from);
      if (opts.expectNext !== null) q = q.where('next_scheduled_time', '=', opts.expectNext);
      const job = await q.returningAll().executeTakeFirst();
      if (!job) return null;
      if (job.total_scheduled_executions === 1) await this.#hook?.(tx, { entity: 'job', verb: 'started', jobUuid: uuid });
      const jobRunIndex = job.total_scheduled_executions - 1;
      await this.#hook?.(tx, { entity: 'job-batch', verb: 'started', jobUuid: uuid, jobRunIndex });
      return { job, jobRunIndex, firstPipelineRunIndex: job.total_scheduled_pipeline_runs - opts.size };
    });
  }

  async linkRun(link: JobRunRow): Promise<void> {
    await this.#db.insertInto('job_runs').values(link).execute();
  }

  async unlinkRun(runUuid: string): Promise<void> {
    await this.#db.deleteFrom('job_runs').where('run_uuid', '=', runUuid).execute();
  }

  async get(uuid: string): Promise<JobRow | undefined> {
    return this.#db.selectFrom('jobs').selectAll().where('uuid', '=', uuid).executeTakeFirst();
  }

  /** By exact name or uuid prefix (at most 2 rows: enough to tell ambiguous). */
  async find(ref: string): Promise<JobRow[]> {
    const byName = await this.#db.selectFrom('jobs').selectAll().where('name', '=', ref).limit(2).execute();
    if (byName.length > 0) return byName;
    return this.#db.selectFrom('jobs').selectAll().where('uuid', '>=', ref).where('uuid', '<', `${ref}\uffff`).limit(2).execute();
  }

  async list(opts: { projectUuid?: string; status?: string } = {}): Promise<JobRow[]> {
    let q = this.#db.selectFrom('jobs').selectAll().orderBy('created_at', 'desc').orderBy('uuid');
    if (opts.projectUuid) q = q.where('project_uuid', '=', opts.projectUuid);
    if (opts.status) q = q.where('status', '=', opts.status as JobStatus);
    return q.execute();
  }

  /** Jobs whose next scheduled time has come. */
  async due(now: string): Promise<JobRow[]> {
    return this.#db.selectFrom('jobs').selectAll().where('status', 'in', ['PENDING', 'STARTED']).where('next_scheduled_time', 'is not', null).where('next_scheduled_time', '<=', now).execute();
  }

  /** The job's runs with their run rows, newest first. */
  async runs(jobUuid: string) {
    return this.#db
      .selectFrom('job_runs')
      .innerJoin('runs', 'runs.uuid', 'job_runs.run_uuid')
      .select(['job_runs.run_uuid', 'job_runs.job_run_index', 'job_runs.job_run_pipeline_run_index', 'job_runs.pipeline_run_index', 'job_runs.parameters_json', 'job_runs.work_dir', 'runs.status', 'runs.run_dir', 'runs.created_at', 'runs.started_at', 'runs.finished_at', 'runs.reason'])
      .where('job_runs.job_uuid', '=', jobUuid)
      .orderBy('job_runs.pipeline_run_index', 'desc')
      .execute();
  }

  /** Deletes runs of a job (their events first, in the same transaction). */
  async deleteRuns(runUuids: string[]): Promise<void> {
    if (runUuids.length === 0) return;
    await this.#db.transaction().execute(async (tx) => {
      for (const runUuid of runUuids) await this.#hook?.(tx, { entity: 'run', verb: 'deleted', runUuid });
      await tx.deleteFrom('runs').where('uuid', 'in', runUuids).execute();
      await tx.deleteFrom('job_runs').where('run_uuid', 'in', runUuids).execute();
    });
  }

  /** Deletes a job with its runs' rows (the 'deleted' event is built first, so it keeps the names). */
  async delete(uuid: string): Promise<void> {
    await this.#db.transaction().execute(async (tx) => {
      await this.#hook?.(tx, { entity: 'job', verb: 'deleted', jobUuid: uuid });
      const runs = await tx.selectFrom('job_runs').select('run_uuid').where('job_uuid', '=', uuid).execute();
      const ids = runs.map((r) => r.run_uuid);
      for (let i = 0; i < ids.length; i += 200) await tx.deleteFrom('runs').where('uuid', 'in', ids.slice(i, i + 200)).execute();
      await tx.deleteFrom('jobs').where('uuid', '=', uuid).execute();
    });
  }

  /**
   * After a job run ended: when it was the last active run of its batch, reports the batch's end
   * (failed when any run did not succeed) and ends a one-off job (SUCCESS). Runs inside the run's
   * finishing transaction `tx`.
   */
  async afterRunEnded(tx: Kysely<Database>, runUuid: string, now: string): Promise<void> {
    const link = await tx.selectFrom('job_runs').selectAll().where('run_uuid', '=', runUuid).executeTakeFirst();
    if (!link) return;
    const batch = await tx
      .selectFrom('job_runs')
      .innerJoin('runs', 'runs.uuid', 'job_runs.run_uuid')
      .select(['runs.status'])
      .where('job_runs.job_uuid', '=', link.job_uuid)
      .where('job_runs.job_run_index', '=', link.job_run_index)
      .execute();
    if (batch.length < link.batch_size || batch.some((r) => r.status === 'PENDING' || r.status === 'STARTED')) return;
    const ok = batch.every((r) => r.status === 'SUCCESS');
    await this.#hook?.(tx, { entity: 'job-batch', verb: ok ? 'succeeded' : 'failed', jobUuid: link.job_uuid, jobRunIndex: link.job_run_index });
    const ended = await tx
      .updateTable('jobs')
      .set({ status: 'SUCCESS', updated_at: now })
      .where('uuid', '=', link.job_uuid)
      .where('schedule', 'is', null)
      .where('status', '=', 'STARTED')
      .executeTakeFirst();
    if (Number(ended.numUpdatedRows) === 1) await this.#hook?.(tx, { entity: 'job', verb: 'succeeded', jobUuid: link.job_uuid });
  }
}
