import type { Kysely } from 'kysely';
import type { Database, GitIdentitiesTable, GitKeysTable } from './tables.ts';

/** Git identities and sealed SSH keys, per token holder. */
export class GitCredentialRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async setIdentity(row: GitIdentitiesTable): Promise<void> {
    await this.#db.insertInto('git_identities').values(row).onConflict((oc) => oc.column('holder').doUpdateSet({ name: row.name, email: row.email, updated_at: row.updated_at })).execute();
  }

  async identity(holder: string): Promise<GitIdentitiesTable | undefined> {
    return this.#db.selectFrom('git_identities').selectAll().where('holder', '=', holder).executeTakeFirst();
  }

  /** False when the holder already has a key of that name. */
  async addKey(row: GitKeysTable): Promise<boolean> {
    const res = await this.#db.insertInto('git_keys').values(row).onConflict((oc) => oc.columns(['holder', 'name']).doNothing()).executeTakeFirst();
    return Number(res.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async keys(holder: string): Promise<GitKeysTable[]> {
    return this.#db.selectFrom('git_keys').selectAll().where('holder', '=', holder).orderBy('name').execute();
  }

  /** Removes the holder's key by id or name; true when one was removed. */
  async removeKey(holder: string, ref: string): Promise<boolean> {
    const res = await this.#db.deleteFrom('git_keys').where('holder', '=', holder).where((eb) => eb.or([eb('id', '=', ref), eb('name', '=', ref)])).executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }
}
