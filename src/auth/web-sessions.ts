import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../store/tables.ts';
import type { Principal, TokenScope } from './token-registry.ts';
import { hashToken } from './token-secret.ts';

/** How long a web UI sign-in lasts (the cookie's Max-Age too). */
export const WEB_SESSION_MS = 7 * 24 * 3600_000;

/**
 * The web UI's sign-in: the cookie holds a random session id, never the token. Only its hash is
 * stored, with the token that signed in and an expiry; sign-out deletes it, and revoking the token
 * ends it (its row goes, and each check requires the token to be current).
 */
export class WebSessions {
  readonly #db: Kysely<Database>;
  readonly #now: () => number;

  constructor(db: Kysely<Database>, opts: { now?: () => number; tokens?: { onRevoke(listener: (tokenId: string) => void): void } } = {}) {
    this.#db = db;
    this.#now = opts.now ?? Date.now;
    opts.tokens?.onRevoke((tokenId) => void this.#db.deleteFrom('web_sessions').where('token_id', '=', tokenId).execute().catch(() => undefined));
  }

  /** A new session for the principal that signed in; the returned id goes in the cookie only. */
  async open(principal: Principal): Promise<{ id: string; maxAgeSeconds: number }> {
    const id = `bw_${randomBytes(32).toString('base64url')}`;
    const now = this.#now();
    await this.#db.deleteFrom('web_sessions').where('expires_at', '<=', now).execute();
    await this.#db.insertInto('web_sessions').values({ hash: hashToken(id), token_id: principal.tokenId, expires_at: now + WEB_SESSION_MS, created_at: new Date(now).toISOString() }).execute();
    return { id, maxAgeSeconds: WEB_SESSION_MS / 1000 };
  }

  /** The principal of a current session (unexpired, its token not revoked), else null. */
  async verify(id: string): Promise<Principal | null> {
    const row = await this.#db
      .selectFrom('web_sessions')
      .innerJoin('tokens', 'tokens.id', 'web_sessions.token_id')
      .select(['tokens.id as token_id', 'tokens.scope', 'tokens.project_uuid', 'web_sessions.expires_at'])
      .where('web_sessions.hash', '=', hashToken(id))
      .where('tokens.revoked_at', 'is', null)
      .executeTakeFirst();
    if (!row || row.expires_at <= this.#now()) return null;
    return { tokenId: row.token_id, scope: row.scope as TokenScope, projectUuid: row.project_uuid };
  }

  /** Sign-out: the session is gone. */
  async end(id: string): Promise<void> {
    await this.#db.deleteFrom('web_sessions').where('hash', '=', hashToken(id)).execute();
  }
}
