import type { Kysely } from 'kysely';
import type { StateChangeHook } from './state-change.ts';
import { lockForTransaction } from './store-dialect.ts';
import type { Database, SessionServicesTable, SessionsTable } from './tables.ts';

export type SessionRow = SessionsTable;
export type SessionServiceRow = SessionServicesTable;

const SESSION_VERBS: Record<string, 'started' | 'stopped' | 'failed'> = { RUNNING: 'started', STOPPED: 'stopped', FAILED: 'failed' };

/** Sessions and their services. A session row is replaced whole on every start (same uuid per pipeline). */
export class SessionRepository {
  readonly #db: Kysely<Database>;
  readonly #hook: StateChangeHook | undefined;

  constructor(db: Kysely<Database>, opts: { hook?: StateChangeHook } = {}) {
    this.#db = db;
    this.#hook = opts.hook;
  }

  /**
   * Claims the session for a start: inserts it, or takes over a row that is not active (STOPPED,
   * FAILED) or whose owner is gone (`staleOwner`). False when another start/stop holds it.
   */
  async claim(row: SessionRow, staleOwner: (r: SessionRow) => boolean): Promise<boolean> {
    return this.#db.transaction().execute(async (tx) => {
      // Read-then-write: two servers starting the same session take turns (SQLite's writers already do).
      await lockForTransaction(tx, `session:${row.uuid}`);
      const current = await tx.selectFrom('sessions').selectAll().where('uuid', '=', row.uuid).executeTakeFirst();
      if (current && (current.status === 'STARTING' || current.status === 'STOPPING') && !staleOwner(current)) return false;
      if (current) {
        await tx.deleteFrom('session_services').where('session_uuid', '=', row.uuid).execute();
        await tx.updateTable('sessions').set(row).where('uuid', '=', row.uuid).execute();
      } else {
        await tx.insertInto('sessions').values(row).execute();
      }
      return true;
    });
  }

  async get(uuid: string): Promise<SessionRow | undefined> {
    return this.#db.selectFrom('sessions').selectAll().where('uuid', '=', uuid).executeTakeFirst();
  }

  async list(): Promise<SessionRow[]> {
    return this.#db.selectFrom('sessions').selectAll().orderBy('created_at').execute();
  }

  /** The uuid and status of every session on `runtime` (a poller's cheap look). */
  async statusesOn(runtime: string): Promise<Array<{ uuid: string; status: string }>> {
    return this.#db.selectFrom('sessions').select(['uuid', 'status']).where('runtime', '=', runtime).execute();
  }

  /** Sets the status; reaching RUNNING, STOPPED or FAILED is a `started` / `stopped` / `failed` change. */
  async setStatus(uuid: string, status: string, reason: string | null, now: string, owner?: { pid: number | null; host: string | null; start: number | null }): Promise<void> {
    await this.#db.transaction().execute(async (tx) => {
      const res = await tx
        .updateTable('sessions')
        .set({ status, reason, updated_at: now, ...(owner ? { owner_pid: owner.pid, owner_host: owner.host, owner_start: owner.start } : {}) })
        .where('uuid', '=', uuid)
        .executeTakeFirst();
      const verb = SESSION_VERBS[status];
      if (verb && Number(res.numUpdatedRows) === 1) await this.#hook?.(tx, { entity: 'session', verb, sessionUuid: uuid });
    });
  }

  async addService(row: SessionServiceRow): Promise<void> {
    await this.#db.insertInto('session_services').values(row).onConflict((oc) => oc.columns(['session_uuid', 'name']).doUpdateSet(row)).execute();
  }

  async services(sessionUuid: string): Promise<SessionServiceRow[]> {
    return this.#db.selectFrom('session_services').selectAll().where('session_uuid', '=', sessionUuid).orderBy('position').execute();
  }

  /** Records a session service's workload and the host (config.hostId) it runs on. */
  async setServiceHandle(sessionUuid: string, name: string, handleJson: string | null, host: string): Promise<void> {
    await this.#db.updateTable('session_services').set({ handle_json: handleJson, host }).where('session_uuid', '=', sessionUuid).where('name', '=', name).execute();
  }

  async countRestart(sessionUuid: string, name: string): Promise<void> {
    await this.#db
      .updateTable('session_services')
      .set((eb) => ({ restarts: eb('restarts', '+', 1) }))
      .where('session_uuid', '=', sessionUuid)
      .where('name', '=', name)
      .execute();
  }
}
