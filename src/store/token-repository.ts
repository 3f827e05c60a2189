import type { Kysely } from 'kysely';
import type { Database, TokensTable } from './tables.ts';

export type TokenRow = TokensTable;

/** API tokens by id and by hash of the secret (the secret itself is never stored). */
export class TokenRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async insert(row: TokenRow): Promise<void> {
    await this.#db.insertInto('tokens').values(row).execute();
  }

  /** The live (not revoked) token with this hash. */
  async findActiveByHash(hash: string): Promise<TokenRow | undefined> {
    return this.#db.selectFrom('tokens').selectAll().where('hash', '=', hash).where('revoked_at', 'is', null).executeTakeFirst();
  }

  async get(id: string): Promise<TokenRow | undefined> {
    return this.#db.selectFrom('tokens').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async list(opts: { projectUuid?: string; includeRevoked?: boolean } = {}): Promise<TokenRow[]> {
    let q = this.#db.selectFrom('tokens').selectAll().orderBy('created_at').orderBy('id');
    if (opts.projectUuid) q = q.where('project_uuid', '=', opts.projectUuid);
    if (!opts.includeRevoked) q = q.where('revoked_at', 'is', null);
    return q.execute();
  }

  async countActiveAdmins(): Promise<number> {
    const row = await this.#db
      .selectFrom('tokens')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('scope', '=', 'admin')
      .where('revoked_at', 'is', null)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Revokes a live token. Returns whether this call revoked it. */
  async revoke(id: string, now: string): Promise<boolean> {
    const res = await this.#db.updateTable('tokens').set({ revoked_at: now }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }
}
