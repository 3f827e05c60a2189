import { sql, type Kysely, type RawBuilder } from 'kysely';
import { isPostgres } from '../store-dialect.ts';

/**
 * The column types migrations use, so one migration builds the same schema on both backends:
 * on PostgreSQL, text compares byte-wise (`collate "C"`, like SQLite's BINARY: ISO timestamps, uuids
 * and prefixes order the same) and integers are 64-bit (epoch milliseconds fit; read back as numbers).
 */
export function columnTypes(db: Kysely<unknown>): { text: 'text' | RawBuilder<unknown>; integer: 'integer' | 'bigint' } {
  return isPostgres(db) ? { text: sql`text collate "C"`, integer: 'bigint' } : { text: 'text', integer: 'integer' };
}
