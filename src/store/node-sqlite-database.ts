import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

/** How long a statement waits for another Berth process's lock before failing. */
const BUSY_TIMEOUT_MS = 10_000;

/** Makes the store's folder (owner-only) and, for a new store, its file (0600: SQLite gives its WAL and shared-memory files the same mode). */
export function createStoreFile(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  if (!existsSync(path)) closeSync(openSync(path, 'a', 0o600));
}

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
    this.#db = new DatabaseSync(path, { timeout: BUSY_TIMEOUT_MS });
    enterWal(this.#db);
    this.#db.exec('PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;');
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

/**
 * Switches a new store to WAL (an existing one is already in WAL: the mode is kept in the file).
 * While another process is switching the same new file, SQLite answers SQLITE_BUSY at once, without
 * the busy timeout: this connection holds a read lock and waits for a write lock another reader
 * wants, which SQLite treats as a deadlock. Backing off and trying again resolves it (CI saw four
 * `berth` commands opening one new BERTH_HOME fail here).
 */
function enterWal(db: DatabaseSync): void {
  const deadline = Date.now() + BUSY_TIMEOUT_MS;
  for (let wait = 2; ; wait = Math.min(wait * 2, 50)) {
    try {
      db.exec('PRAGMA journal_mode = WAL');
      return;
    } catch (e) {
      if (!isBusy(e) || Date.now() >= deadline) throw e;
      // The constructor is synchronous (Kysely's dialect asks for the database up front).
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, wait);
    }
  }
}

function isBusy(e: unknown): boolean {
  const code = (e as { errcode?: unknown }).errcode;
  return typeof code === 'number' && ((code & 0xff) === 5 || (code & 0xff) === 6);
}

function toInputs(params: ReadonlyArray<unknown>): SQLInputValue[] {
  return params.map((p) => {
    if (p === undefined || p === null) return null;
    if (typeof p === 'boolean') return p ? 1 : 0;
    if (p instanceof Date) return p.toISOString();
    return p as SQLInputValue;
  });
}
