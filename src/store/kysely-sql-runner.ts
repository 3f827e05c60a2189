import { CompiledQuery, type Kysely } from 'kysely';
import type { SqlRunner } from './sql-runner.ts';
import { isPostgres } from './store-dialect.ts';

/**
 * Plain SQL through a Kysely handle (its pool, its type parsers, its transactions): the store as the
 * server and the engine hold it. `?` placeholders become `$1…` on PostgreSQL.
 */
export function kyselySqlRunner(db: Kysely<any>): SqlRunner {
  const numbered = isPostgres(db);
  const query = (sql: string, params: readonly unknown[]) => db.executeQuery(CompiledQuery.raw(numbered ? toNumbered(sql) : sql, [...params]));
  return {
    all: async <T>(sql: string, params: readonly unknown[]) => (await query(sql, params)).rows as T[],
    run: async (sql, params) => Number((await query(sql, params)).numAffectedRows ?? 0),
    transaction: (fn) => db.transaction().execute((tx) => fn(kyselySqlRunner(tx))),
  };
}

/** `a = ? and b = ?` → `a = $1 and b = $2` (Berth's statements have no `?` inside literals). */
function toNumbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}
