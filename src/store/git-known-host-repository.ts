import type { Kysely } from 'kysely';
import type { Database, GitKnownHostsTable } from './tables.ts';

/** The SSH host keys each token holder's git trusts. */
export class GitKnownHostRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** False when the holder already trusts a key of that type for the host (the stored one stays). */
  async add(row: GitKnownHostsTable): Promise<boolean> {
    const res = await this.#db.insertInto('git_known_hosts').values(row).onConflict((oc) => oc.columns(['holder', 'host', 'key_type']).doNothing()).executeTakeFirst();
    return Number(res.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async list(holder: string): Promise<GitKnownHostsTable[]> {
    return this.#db.selectFrom('git_known_hosts').selectAll().where('holder', '=', holder).orderBy('host').orderBy('key_type').execute();
  }

  /** Removes every key of the holder's host; how many were removed. */
  async remove(holder: string, host: string): Promise<number> {
    const res = await this.#db.deleteFrom('git_known_hosts').where('holder', '=', holder).where('host', '=', host).executeTakeFirst();
    return Number(res.numDeletedRows);
  }
}
