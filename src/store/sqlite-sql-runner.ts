import type { NodeSqliteDatabase } from './node-sqlite-database.ts';
import type { SqlRunner } from './sql-runner.ts';

/**
 * Plain SQL on one node:sqlite connection, without Kysely. Statements take turns as Kysely's SQLite
 * driver has them do: a transaction holds the connection until it ends, so a statement of another
 * caller never lands inside it.
 */
export class SqliteSqlRunner implements SqlRunner {
  readonly #db: NodeSqliteDatabase;
  #turn: Promise<unknown> = Promise.resolve();

  constructor(db: NodeSqliteDatabase) {
    this.#db = db;
  }

  all<T>(sql: string, params: readonly unknown[]): Promise<T[]> {
    return this.#inTurn(async () => this.#all<T>(sql, params));
  }

  run(sql: string, params: readonly unknown[]): Promise<number> {
    return this.#inTurn(async () => this.#run(sql, params));
  }

  transaction<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T> {
    return this.#inTurn(async () => {
      // NodeSqliteDatabase begins immediately: the write lock first, waiting for another process's.
      this.#run('begin', []);
      const tx: SqlRunner = {
        all: async <R>(sql: string, params: readonly unknown[]) => this.#all<R>(sql, params),
        run: async (sql, params) => this.#run(sql, params),
        transaction: () => Promise.reject(new Error('transactions do not nest')),
      };
      try {
        const result = await fn(tx);
        this.#run('commit', []);
        return result;
      } catch (e) {
        this.#run('rollback', []);
        throw e;
      }
    });
  }

  close(): void {
    this.#db.close();
  }

  #all<T>(sql: string, params: readonly unknown[]): T[] {
    return this.#db.prepare(sql).all(params) as T[];
  }

  #run(sql: string, params: readonly unknown[]): number {
    return Number(this.#db.prepare(sql).run(params).changes);
  }

  /** Runs `fn` once every earlier statement or transaction has ended (whether or not it failed). */
  #inTurn<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.#turn.then(fn, fn);
    this.#turn = result.catch(() => undefined);
    return result;
  }
}
