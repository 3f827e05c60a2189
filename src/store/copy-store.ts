import { DatabaseSync } from 'node:sqlite';
import { sql, type Kysely } from 'kysely';
import type { StoreLocation } from '../config/config.ts';
import { BerthError } from '../errors.ts';
import { describeStore, openStore } from './open-store.ts';
import { isPostgres } from './store-dialect.ts';
import type { Database } from './tables.ts';

/** Every table, parents before children (foreign keys hold at each insert). */
export const TABLES_IN_ORDER: ReadonlyArray<keyof Database> = [
  'projects', 'pipelines', 'runs', 'step_runs', 'tokens', 'services', 'instances', 'events', 'subscribers', 'subscriptions',
  'deliveries', 'jobs', 'job_runs', 'sessions', 'session_services', 'env_vars', 'service_tickets', 'service_sessions', 'builds',
  'server_leases', 'leader_leases', 'git_identities', 'git_keys', 'git_known_hosts', 'service_hosts',
];

/** Rows per INSERT: well under both backends' bound-parameter limits for Berth's widest table. */
const CHUNK = 200;

/**
 * Copies every row of a migrated store into another migrated, empty store (e.g. SQLite → PostgreSQL)
 * in one transaction of the target: all or nothing. Event ids are kept (streams resume where they
 * were) and the target's id sequence continues after them. Returns rows copied per table.
 */
export async function copyStore(from: Kysely<Database>, to: Kysely<Database>): Promise<Record<string, number>> {
  const nonEmpty: string[] = [];
  for (const table of TABLES_IN_ORDER) {
    const row = await to.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    if (Number(row.n) > 0) nonEmpty.push(`${table} (${row.n})`);
  }
  if (nonEmpty.length > 0) {
    throw new BerthError('BERTH_E_CONFLICT', `the target store is not empty: ${nonEmpty.join(', ')}`, {
      problems: [{ path: '--to', message: 'db copy fills a new, empty database only (nothing is merged or overwritten)', fix: 'create an empty database and give its URL to --to' }],
    });
  }
  // Paged by physical row order: stable for a store no one writes to while it is copied.
  const order = isPostgres(from) ? sql`ctid` : sql`rowid`;
  const copied: Record<string, number> = {};
  await to.transaction().execute(async (tx) => {
    for (const table of TABLES_IN_ORDER) {
      copied[table] = 0;
      for (let offset = 0; ; offset += CHUNK) {
        const rows = (await from.selectFrom(table).selectAll().orderBy(order).limit(CHUNK).offset(offset).execute()) as Record<string, unknown>[];
        if (rows.length === 0) break;
        await tx.insertInto(table).values(rows.map((r) => ({ ...r })) as never).execute();
        copied[table] += rows.length;
        if (rows.length < CHUNK) break;
      }
    }
    if (isPostgres(tx)) {
      await sql`select setval(pg_get_serial_sequence('events', 'id'), coalesce((select max(id) from events), 0) + 1, false)`.execute(tx);
    }
  });
  return copied;
}

/**
 * `berth db copy`: brings both stores to this build's schema, then copies `from` into `to` (which
 * must be empty). Server leases are not copied: they describe processes, not the install.
 */
export async function copyStoreBetween(from: StoreLocation, to: StoreLocation): Promise<Record<string, number>> {
  // Only a Berth store is brought up to date and copied: another file is read (read-only), never changed.
  const applied = from.dialect === 'sqlite' ? recordedMigrations(from.path) : ['(postgres)'];
  if (applied.length === 0) {
    throw new BerthError('BERTH_E_INVALID_ARGUMENT', `db: --from ${describeStore(from)} is not a Berth store`, {
      problems: [{ path: '--from', message: 'no Berth migrations recorded in it', fix: 'give the berth.db of the install to move (BERTH_HOME/berth.db)' }],
    });
  }
  const source = await openStore(from);
  try {
    const target = await openStore(to);
    try {
      return await copyStore(source, target);
    } finally {
      await target.destroy();
    }
  } finally {
    await source.destroy();
  }
}

/** The migrations a SQLite file records, read without changing it (none: not a Berth store, or not SQLite). */
function recordedMigrations(path: string): string[] {
  let db: DatabaseSync | undefined;
  try {
    db = new DatabaseSync(path, { readOnly: true });
    return (db.prepare("select name from berth_migration").all() as Array<{ name: string }>).map((r) => r.name);
  } catch {
    return [];
  } finally {
    db?.close();
  }
}
