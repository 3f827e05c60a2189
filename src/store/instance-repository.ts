import type { SqlRunner } from './sql-runner.ts';
import type { InstancesTable } from './tables.ts';
import { isUniqueViolation } from './unique-violation.ts';

export type InstanceRow = InstancesTable;

/** Who is asking: non-admins see and stop only their own instances. */
export interface Viewer {
  uid: number;
  admin: boolean;
}

/** Every column, in the migrations' order: statements name only these. */
const COLUMNS = [
  'id', 'name', 'owner', 'owner_uid', 'host', 'runtime', 'image', 'command_json', 'restart_policy', 'health_cmd', 'health_port',
  'health_interval_ms', 'health', 'status', 'keeper_pid', 'keeper_start', 'handle_json', 'log_out_path', 'log_err_path', 'restarts',
  'exit_code', 'reason', 'stop_signal', 'stop_grace_ms', 'created_at', 'started_at',
] as const satisfies readonly (keyof InstancesTable)[];
const KNOWN: ReadonlySet<string> = new Set(COLUMNS);
const INSERT = `insert into instances (${COLUMNS.join(', ')}) values (${COLUMNS.map(() => '?').join(', ')})`;
const SELECT = `select ${COLUMNS.join(', ')} from instances`;

/**
 * Instances, in plain SQL on either backend (see SqlRunner: `berth instance` runs without Kysely).
 * A name is taken by inserting its row (unique per owner), so of two concurrent starts exactly one
 * wins; rows are removed by the stop that ends them or by the cleanup of stale ones.
 */
export class InstanceRepository {
  readonly #sql: SqlRunner;

  constructor(sql: SqlRunner) {
    this.#sql = sql;
  }

  /** Inserts the row; false when the owner already has an instance of that name. */
  async claim(row: InstanceRow): Promise<boolean> {
    try {
      await this.#sql.run(INSERT, COLUMNS.map((c) => row[c]));
      return true;
    } catch (e) {
      if (isUniqueViolation(e)) return false;
      throw e;
    }
  }

  /** The viewer's instances (every instance for an admin), by name. */
  async list(viewer: Viewer): Promise<InstanceRow[]> {
    if (viewer.admin) return this.#sql.all<InstanceRow>(`${SELECT} order by name, owner`, []);
    return this.#sql.all<InstanceRow>(`${SELECT} where owner_uid = ? order by name, owner`, [viewer.uid]);
  }

  async get(id: string): Promise<InstanceRow | undefined> {
    return (await this.#sql.all<InstanceRow>(`${SELECT} where id = ?`, [id]))[0];
  }

  /** Changes columns of a row unless it is being stopped; false when it is (or is gone). */
  async updateUnlessStopping(id: string, changes: Partial<InstanceRow>): Promise<boolean> {
    return (await this.#update(this.#sql, id, changes, ` and status != 'stopping'`)) > 0;
  }

  async update(id: string, changes: Partial<InstanceRow>): Promise<void> {
    await this.#update(this.#sql, id, changes, '');
  }

  /**
   * Hands a starting row to its supervisor: it answers for the row from now on, and the row runs
   * `handleJson` unless the supervisor already moved it on (a quick exit or restart it recorded).
   */
  async adopt(id: string, keeperPid: number, keeperStart: number, handleJson: string): Promise<void> {
    await this.#sql.transaction(async (tx) => {
      await this.#update(tx, id, { keeper_pid: keeperPid, keeper_start: keeperStart }, '');
      await this.#update(tx, id, { status: 'running', handle_json: handleJson, started_at: new Date().toISOString() }, ` and status = 'starting'`);
    });
  }

  /** Marks the row as stopping with the signal and grace period its keeper should use; false when it is gone. */
  async requestStop(id: string, signal: string, graceMs: number): Promise<boolean> {
    return (await this.#update(this.#sql, id, { status: 'stopping', stop_signal: signal, stop_grace_ms: graceMs }, '')) > 0;
  }

  async delete(id: string): Promise<void> {
    await this.#sql.run('delete from instances where id = ?', [id]);
  }

  /** `update … set` the given columns (only known ones: the names go into the statement) of row `id`. */
  #update(sql: SqlRunner, id: string, changes: Partial<InstanceRow>, condition: string): Promise<number> {
    const entries = Object.entries(changes).filter(([, v]) => v !== undefined);
    for (const [column] of entries) if (!KNOWN.has(column)) throw new Error(`instances has no column ${column}`);
    if (entries.length === 0) return Promise.resolve(0);
    const set = entries.map(([column]) => `${column} = ?`).join(', ');
    return sql.run(`update instances set ${set} where id = ?${condition}`, [...entries.map(([, v]) => v), id]);
  }
}
