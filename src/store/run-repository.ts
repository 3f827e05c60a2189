import type { Kysely } from 'kysely';
import type { Status } from '../core/statuses.ts';
import { runEndVerb, type StateChangeHook } from './state-change.ts';
import type { Database, RunsTable, StepRunsTable } from './tables.ts';
import { isPostgres, lockForTransaction } from './store-dialect.ts';

export type RunRow = RunsTable;
export type StepRunRow = StepRunsTable;

const ACTIVE = ['PENDING', 'STARTED'] as const;

/**
 * Runs and step runs. Every status change is a conditional update on an active state, so end
 * states never change and two processes (a runner and a `berth cancel`) never overwrite each other.
 */
export class RunRepository {
  readonly #db: Kysely<Database>;
  readonly #hook: StateChangeHook | undefined;
  /** Most STARTED runs per kind ('interactive', 'job'); absent or 0 = no limit. */
  readonly #limits: Record<string, number>;

  constructor(db: Kysely<Database>, opts: { hook?: StateChangeHook; limits?: Record<string, number> } = {}) {
    this.#db = db;
    this.#hook = opts.hook;
    this.#limits = opts.limits ?? {};
  }

  /** Inserts a run and all its planned steps (PENDING) atomically. */
  async create(run: RunRow, steps: StepRunRow[]): Promise<void> {
    await this.#db.transaction().execute(async (tx) => {
      await tx.insertInto('runs').values(run).execute();
      // Chunked: SQLite caps the number of bound parameters per statement; PostgreSQL takes 65,535
      // (13 per row), and each statement is a round trip there.
      const chunk = isPostgres(tx) ? 2000 : 50;
      for (let i = 0; i < steps.length; i += chunk) {
        await tx.insertInto('step_runs').values(steps.slice(i, i + chunk)).execute();
      }
      await this.#hook?.(tx, { entity: 'run', verb: 'created', runUuid: run.uuid });
    });
  }

  /**
   * Moves a PENDING run to STARTED when it may start: an interactive run waits while another
   * interactive run of the same pipeline is STARTED or was queued before it. Returns whether it started.
   */
  async claim(uuid: string, now: string): Promise<boolean> {
    return this.#db.transaction().execute(async (tx) => {
      const claimed = await this.#claimIn(tx, uuid, now);
      if (claimed) await this.#hook?.(tx, { entity: 'run', verb: 'started', runUuid: uuid });
      return claimed;
    });
  }

  async #claimIn(db: Kysely<Database>, uuid: string, now: string): Promise<boolean> {
    // The queue and limit checks read other rows: on PostgreSQL two servers claiming at once would
    // each see the other's run still PENDING, so claims take turns (SQLite's writers already do).
    await lockForTransaction(db, 'run-claim');
    const limited = Object.entries(this.#limits).filter(([, n]) => n > 0);
    const res = await db
      .updateTable('runs')
      .set({ status: 'STARTED', started_at: now })
      .where('uuid', '=', uuid)
      .where('status', '=', 'PENDING')
      .where((eb) =>
        eb.or([
          eb('kind', '!=', 'interactive'),
          eb.not(
            eb.exists(
              eb
                .selectFrom('runs as other')
                .select('other.uuid')
                .whereRef('other.project_uuid', '=', 'runs.project_uuid')
                .whereRef('other.pipeline_uuid', '=', 'runs.pipeline_uuid')
                .where('other.kind', '=', 'interactive')
                .whereRef('other.uuid', '!=', 'runs.uuid')
                .where((o) =>
                  o.or([
                    o('other.status', '=', 'STARTED'),
                    o.and([
                      o('other.status', '=', 'PENDING'),
                      o.or([
                        o('other.created_at', '<', o.ref('runs.created_at')),
                        o.and([o('other.created_at', '=', o.ref('runs.created_at')), o('other.uuid', '<', o.ref('runs.uuid'))]),
                      ]),
                    ]),
                  ]),
                ),
            ),
          ),
        ]),
      )
      // A concurrency limit per kind (settings): the run waits while that many of its kind run.
      .$if(limited.length > 0, (q) =>
        q.where((eb) =>
          eb.and(
            limited.map(([kind, n]) =>
              eb.or([
                eb('kind', '!=', kind),
                eb(eb.selectFrom('runs as busy').select((b) => b.fn.countAll<number>().as('n')).where('busy.kind', '=', kind).where('busy.status', '=', 'STARTED'), '<', n),
              ]),
            ),
          ),
        ),
      )
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  /** Sets the run's end state if it is still active. Returns whether this call decided it. */
  async finish(uuid: string, status: Status, now: string, reason: string | null = null): Promise<boolean> {
    return this.#db.transaction().execute(async (tx) => {
      const res = await tx
        .updateTable('runs')
        .set({ status, finished_at: now, reason })
        .where('uuid', '=', uuid)
        .where('status', 'in', ACTIVE)
        .executeTakeFirst();
      const decided = Number(res.numUpdatedRows) === 1;
      if (decided) await this.#hook?.(tx, { entity: 'run', verb: runEndVerb(status), runUuid: uuid });
      return decided;
    });
  }

  /** Marks a pending step started (with its workload's handle when it is already known); false when it is no longer pending. */
  async startStep(runUuid: string, stepUuid: string, now: string, handleJson?: string): Promise<boolean> {
    const res = await this.#db
      .updateTable('step_runs')
      .set({ status: 'STARTED', started_at: now, ...(handleJson !== undefined ? { handle_json: handleJson } : {}) })
      .where('run_uuid', '=', runUuid)
      .where('step_uuid', '=', stepUuid)
      .where('status', '=', 'PENDING')
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  async setStepHandle(runUuid: string, stepUuid: string, handleJson: string): Promise<void> {
    await this.#db
      .updateTable('step_runs')
      .set({ handle_json: handleJson })
      .where('run_uuid', '=', runUuid)
      .where('step_uuid', '=', stepUuid)
      .execute();
  }

  /** Ends a step if it is still active. Returns whether this call decided its end state. */
  async finishStep(
    runUuid: string,
    stepUuid: string,
    end: { status: Status; now: string; exitCode?: number | null; reason?: string | null },
  ): Promise<boolean> {
    const res = await this.#db
      .updateTable('step_runs')
      .set({ status: end.status, finished_at: end.now, exit_code: end.exitCode ?? null, reason: end.reason ?? null })
      .where('run_uuid', '=', runUuid)
      .where('step_uuid', '=', stepUuid)
      .where('status', 'in', ACTIVE)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  /** Marks every still-active step of a run ABORTED (started ones get finished_at). */
  async abortActiveSteps(runUuid: string, now: string, reason: string): Promise<void> {
    await this.#db
      .updateTable('step_runs')
      .set({ status: 'ABORTED', finished_at: now, reason })
      .where('run_uuid', '=', runUuid)
      .where('status', 'in', ACTIVE)
      .execute();
  }

  async get(uuid: string): Promise<RunRow | undefined> {
    return this.#db.selectFrom('runs').selectAll().where('uuid', '=', uuid).executeTakeFirst();
  }

  async status(uuid: string): Promise<Status | undefined> {
    const row = await this.#db.selectFrom('runs').select('status').where('uuid', '=', uuid).executeTakeFirst();
    return row?.status as Status | undefined;
  }

  /** Runs whose uuid starts with `prefix` (at most 2: enough to tell unique from ambiguous). */
  /** Runs whose uuid starts with `prefix` (at most 2), only among `projectUuid`'s when given. */
  async findByPrefix(prefix: string, projectUuid?: string): Promise<RunRow[]> {
    // A range, not LIKE: the same on both backends (SQLite's LIKE ignores case and has no escape by default).
    const p = prefix.toLowerCase();
    let q = this.#db.selectFrom('runs').selectAll().where('uuid', '>=', p).where('uuid', '<', `${p}\uffff`);
    if (projectUuid !== undefined) q = q.where('project_uuid', '=', projectUuid);
    return q.orderBy('uuid').limit(2).execute();
  }

  async steps(runUuid: string): Promise<StepRunRow[]> {
    return this.#db.selectFrom('step_runs').selectAll().where('run_uuid', '=', runUuid).orderBy('position').execute();
  }

  async list(opts: { limit: number; status?: Status; pipelineUuid?: string; projectUuid?: string }): Promise<RunRow[]> {
    let q = this.#db.selectFrom('runs').selectAll().orderBy('created_at', 'desc').orderBy('uuid', 'desc').limit(opts.limit);
    if (opts.status) q = q.where('status', '=', opts.status);
    if (opts.pipelineUuid) q = q.where('pipeline_uuid', '=', opts.pipelineUuid);
    if (opts.projectUuid) q = q.where('project_uuid', '=', opts.projectUuid);
    return q.execute();
  }

  /** Active runs owned by a process on this host (for reconciling runs whose runner died). */
  async activeOwnedBy(host: string): Promise<RunRow[]> {
    return this.#db.selectFrom('runs').selectAll().where('owner_host', '=', host).where('status', 'in', ACTIVE).execute();
  }
}
