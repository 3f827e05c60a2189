import type { Status } from '../core/statuses.ts';
import type { Kysely } from 'kysely';
import type { EnvironmentBuild, StateChangeHook } from './state-change.ts';
import type { BuildsTable, Database } from './tables.ts';
import { lockForTransaction } from './store-dialect.ts';

export type BuildRow = BuildsTable;

const ACTIVE = ['PENDING', 'STARTED'] as const;

/**
 * Environment image builds. A build is claimed PENDING → STARTED by one conditional UPDATE that
 * checks the build limit and that no PENDING build was queued before it, so two Berth processes on
 * one store never exceed the limit and builds start in the order they were asked for.
 */
export class BuildRepository {
  readonly #db: Kysely<Database>;
  readonly #hook: StateChangeHook | undefined;
  /** Most STARTED builds at once; 0 = no limit. */
  readonly #limit: number;

  constructor(db: Kysely<Database>, opts: { hook?: StateChangeHook; limit?: number } = {}) {
    this.#db = db;
    this.#hook = opts.hook;
    this.#limit = opts.limit ?? 0;
  }

  /** Queues a build (PENDING). */
  async create(row: BuildRow): Promise<void> {
    await this.#db.insertInto('builds').values(row).execute();
  }

  /** PENDING → STARTED when a slot is free and the build is first in line; records the `started` event. */
  async claim(uuid: string, now: string): Promise<boolean> {
    return this.#db.transaction().execute(async (tx) => {
      const limit = this.#limit;
      // The slot count and queue order read other rows: claims from several servers take turns.
      await lockForTransaction(tx, 'build-claim');
      const res = await tx
        .updateTable('builds')
        .set({ status: 'STARTED', started_at: now })
        .where('uuid', '=', uuid)
        .where('status', '=', 'PENDING')
        .$if(limit > 0, (q) =>
          q
            .where((eb) => eb(eb.selectFrom('builds as busy').select((b) => b.fn.countAll<number>().as('n')).where('busy.status', '=', 'STARTED'), '<', limit))
            .where((eb) =>
              eb.not(
                eb.exists(
                  eb
                    .selectFrom('builds as other')
                    .select('other.uuid')
                    .where('other.status', '=', 'PENDING')
                    .where((o) =>
                      o.or([
                        o('other.created_at', '<', o.ref('builds.created_at')),
                        o.and([o('other.created_at', '=', o.ref('builds.created_at')), o('other.uuid', '<', o.ref('builds.uuid'))]),
                      ]),
                    ),
                ),
              ),
            ),
        )
        .executeTakeFirst();
      const claimed = Number(res.numUpdatedRows) === 1;
      if (claimed) await this.#hook?.(tx, { entity: 'environment-build', verb: 'started', build: await buildIn(tx, uuid) });
      return claimed;
    });
  }

  /** Ends an active build (SUCCESS / FAILURE) and records its event. Returns whether this call ended it. */
  async finish(uuid: string, status: 'SUCCESS' | 'FAILURE', now: string, reason: string | null = null): Promise<boolean> {
    return this.#db.transaction().execute(async (tx) => {
      const res = await tx.updateTable('builds').set({ status, finished_at: now, reason }).where('uuid', '=', uuid).where('status', 'in', ACTIVE).executeTakeFirst();
      const ended = Number(res.numUpdatedRows) === 1;
      if (ended) await this.#hook?.(tx, { entity: 'environment-build', verb: status === 'SUCCESS' ? 'succeeded' : 'failed', build: await buildIn(tx, uuid) });
      return ended;
    });
  }

  /** Drops a build that never started (its image appeared while it waited): it holds no slot and had no event. */
  async withdraw(uuid: string): Promise<void> {
    await this.#db.deleteFrom('builds').where('uuid', '=', uuid).where('status', '=', 'PENDING').execute();
  }

  /** How many builds are ahead of a PENDING one: those holding slots and those queued before it. */
  async ahead(uuid: string): Promise<number> {
    const me = await this.get(uuid);
    if (!me) return 0;
    const row = await this.#db
      .selectFrom('builds')
      .select((b) => b.fn.countAll<number>().as('n'))
      .where('uuid', '!=', uuid)
      .where((eb) =>
        eb.or([
          eb('status', '=', 'STARTED'),
          eb.and([eb('status', '=', 'PENDING'), eb.or([eb('created_at', '<', me.created_at), eb.and([eb('created_at', '=', me.created_at), eb('uuid', '<', uuid)])])]),
        ]),
      )
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async get(uuid: string): Promise<BuildRow | undefined> {
    return this.#db.selectFrom('builds').selectAll().where('uuid', '=', uuid).executeTakeFirst();
  }

  /** Active builds whose owner process runs on `host` (the ones a dead-owner check can judge). */
  async activeOwnedBy(host: string): Promise<BuildRow[]> {
    return this.#db.selectFrom('builds').selectAll().where('status', 'in', ACTIVE).where('owner_host', '=', host).execute();
  }

  /** Newest first; `before` is a build uuid (the last of the previous page). */
  async list(opts: { limit: number; before?: string; status?: string }): Promise<BuildRow[]> {
    let q = this.#db.selectFrom('builds').selectAll();
    // An unknown status matches nothing (the API's schema refuses it before).
    if (opts.status !== undefined) q = q.where('status', '=', opts.status as Status);
    if (opts.before !== undefined) {
      const cursor = await this.get(opts.before);
      if (cursor) {
        q = q.where((eb) =>
          eb.or([eb('created_at', '<', cursor.created_at), eb.and([eb('created_at', '=', cursor.created_at), eb('uuid', '<', cursor.uuid)])]),
        );
      }
    }
    return q.orderBy('created_at', 'desc').orderBy('uuid', 'desc').limit(opts.limit).execute();
  }
}

/** The event's view of a build row, read in the transaction that changed it. */
async function buildIn(tx: Kysely<Database>, uuid: string): Promise<EnvironmentBuild> {
  const row = await tx.selectFrom('builds').selectAll().where('uuid', '=', uuid).executeTakeFirstOrThrow();
  return {
    uuid: row.uuid,
    projectDir: row.project_dir,
    environmentUuid: row.environment_uuid,
    environmentName: row.environment_name,
    image: row.image,
    ...(row.reason === null ? {} : { reason: row.reason }),
  };
}
