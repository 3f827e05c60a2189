import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

/**
 * Adapts Node's built-in `node:sqlite` to the statement interface Kysely's SqliteDialect drives
 * (the better-sqlite3 shape), so Berth needs no native addon.
 */
export class NodeSqliteDatabase implements SqliteDatabase {
  readonly #db: DatabaseSync;
  /** Prepared statements by SQL text: Kysely sends the same few statements again and again. */
  readonly #statements = new Map<string, { stmt: StatementSync; reader: boolean }>();

  constructor(path: string) {
    // The busy timeout lets a second Berth process wait for the write lock instead of failing.
    this.#db = new DatabaseSync(path, { timeout: 10_000 });
    this.#db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;');
  }

  close(): void {
    this.#statements.clear();
    if (this.#db.isOpen) this.#db.close();
  }

  prepare(sql: string): SqliteStatement {
    // Kysely opens every transaction with a deferred `begin`. A deferred transaction that reads and
    // then writes cannot wait for the write lock in WAL mode: when another process committed in
    // between, SQLite answers SQLITE_BUSY at once, without the busy timeout. `begin immediate` takes
    // the write lock first (waiting up to the timeout), so two Berth processes queue instead of failing.
    if (sql === 'begin') sql = 'begin immediate';
    let cached = this.#statements.get(sql);
    if (!cached) {
      const stmt = this.#db.prepare(sql);
      cached = { stmt, reader: stmt.columns().length > 0 };
      if (this.#statements.size >= 500) this.#statements.delete(this.#statements.keys().next().value!);
      this.#statements.set(sql, cached);
    }
    const { stmt, reader } = cached;
    return {
      reader,
      all: (params) => stmt.all(...toInputs(params)),
      run: (params) => stmt.run(...toInputs(params)),
      iterate: (params) => stmt.iterate(...toInputs(params)),
    };
  }
}

function toInputs(params: ReadonlyArray<unknown>): SQLInputValue[] {
  return params.map((p) => {
    if (p === undefined || p === null) return null;
    if (typeof p === 'boolean') return p ? 1 : 0;
    if (p instanceof Date) return p.toISOString();
    return p as SQLInputValue;
  });
}
