/**
 * Plain SQL with `?` placeholders, on either backend: what the instance commands need from the store
 * (InstanceRepository). A Kysely handle adapts to it (kysely-sql-runner.ts), and so does a bare
 * node:sqlite connection (sqlite-sql-runner.ts), which spares `berth instance` loading Kysely.
 */
export interface SqlRunner {
  /** The rows a query returns. */
  all<T>(sql: string, params: readonly unknown[]): Promise<T[]>;
  /** Runs a write; resolves with the number of rows it changed. */
  run(sql: string, params: readonly unknown[]): Promise<number>;
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it rejects. */
  transaction<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T>;
}
