import { Kysely, PostgresDialect } from 'kysely';
import { nameRepeatedWrites } from './named-statements.ts';
import type { Database } from './tables.ts';

/**
 * A Kysely handle on a PostgreSQL database through a `pg` pool. 64-bit integers (`bigint` columns,
 * `count(*)`) come back as JS numbers, as they do from SQLite. `pg` is loaded only here, so a SQLite
 * install never pays for it.
 */
export async function openPostgres(url: string, opts: { max?: number } = {}): Promise<Kysely<Database>> {
  const pg = (await import('pg')).default;
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.max ?? 10,
    // A server that cannot reach its database says so instead of hanging.
    connectionTimeoutMillis: 10_000,
    // The durability of SQLite's WAL + synchronous=NORMAL (Berth's default store): a commit is not
    // waited on to reach the disk, so a crash of the database machine may lose the last fraction of a
    // second, never consistency. An `options` parameter in the URL replaces this.
    ...(new URL(url).searchParams.has('options') ? {} : { options: '-c synchronous_commit=off' }),
    types: { getTypeParser: ((oid: number, format?: 'text' | 'binary') => (oid === INT8 ? Number : pg.types.getTypeParser(oid, format))) as typeof pg.types.getTypeParser },
  });
  // An idle client that loses its connection (database restart) must not crash the process.
  pool.on('error', () => {});
  pool.on('connect', (client) => nameRepeatedWrites(client));
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

const INT8 = 20;
