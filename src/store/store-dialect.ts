import { PostgresAdapter, sql, type Kysely } from 'kysely';

/** True when `db` (or a transaction of it) talks to PostgreSQL rather than SQLite. */
export function isPostgres(db: Kysely<any>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/**
 * Serialises a decision across every process on a PostgreSQL store until `tx` ends (a transaction
 * advisory lock on `name`). SQLite needs none: its writers are already one at a time, and a
 * transaction that writes holds the file's write lock until it ends.
 */
export async function lockForTransaction(tx: Kysely<any>, name: string): Promise<void> {
  if (!isPostgres(tx)) return;
  await sql`select pg_advisory_xact_lock(hashtext(${`berth:${name}`}))`.execute(tx);
}
