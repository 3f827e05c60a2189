import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { BerthError } from '../errors.ts';
import { isUniqueViolation } from '../store/unique-violation.ts';
import type { Database } from '../store/tables.ts';
import { TokenRepository, type TokenRow } from '../store/token-repository.ts';
import { hashToken, newTokenSecret, sameHash } from './token-secret.ts';

export type TokenScope = 'admin' | 'project';

/** Who a request acts as, once its token checked out. */
export interface Principal {
  tokenId: string;
  scope: TokenScope;
  /** Set for project tokens: the only project they may touch. */
  projectUuid: string | null;
}

/** A token as the API and CLI show it: never the secret, never the hash. */
export interface TokenInfo {
  id: string;
  name: string;
  scope: TokenScope;
  project_uuid: string | null;
  service: string | null;
  created_at: string;
  revoked_at: string | null;
}

/** Valid tokens are remembered this long, so the proxy does not hit the store on every request. */
const CACHE_MS = 1000;

/**
 * Creates, checks and revokes API tokens. Only SHA-256 hashes are stored; lookups go by hash and
 * the final comparison is constant-time. Revocation through this instance takes effect at once,
 * through another process within CACHE_MS.
 */
export class TokenRegistry {
  readonly #tokens: TokenRepository;
  readonly #cache = new Map<string, { principal: Principal; until: number }>();
  /** principalById's cache (the same second as `#cache`; a revocation here clears it at once). */
  readonly #byId = new Map<string, { principal: Principal; until: number }>();
  readonly #now: () => number;
  readonly #revoked = new Set<(tokenId: string) => void>();

  constructor(db: Kysely<Database>, opts: { now?: () => number } = {}) {
    this.#tokens = new TokenRepository(db);
    this.#now = opts.now ?? Date.now;
  }

  /** Creates a token and returns its secret (shown once). */
  async create(opts: { name: string; scope: TokenScope; projectUuid?: string; service?: string }): Promise<{ secret: string; token: TokenInfo }> {
    return this.#insert(newTokenSecret(), opts);
  }

  /**
   * Makes sure an admin token exists. With `configured` (BERTH_ADMIN_TOKEN) that exact secret is
   * registered (idempotent); without it, a token is generated only when no admin token exists yet,
   * and its secret is returned so the caller can print it once.
   */
  async ensureAdmin(configured: string | undefined): Promise<{ generated?: string }> {
    if (configured !== undefined) {
      if (await this.#tokens.findActiveByHash(hashToken(configured))) return {};
      try {
        await this.#insert(configured, { name: 'admin (BERTH_ADMIN_TOKEN)', scope: 'admin' });
      } catch (e) {
        // Several servers starting together on one store: another one stored it first.
        if (!isUniqueViolation(e)) throw e;
      }
      return {};
    }
    if ((await this.#tokens.countActiveAdmins()) > 0) return {};
    const { secret } = await this.create({ name: 'admin (generated)', scope: 'admin' });
    return { generated: secret };
  }

  /** The principal a secret stands for, or null when it is unknown or revoked. */
  async verify(secret: string): Promise<Principal | null> {
    const cached = this.known(secret);
    if (cached) return cached;
    const hash = hashToken(secret);
    const row = await this.#tokens.findActiveByHash(hash);
    if (!row || !sameHash(row.hash, hash)) {
      this.#cache.delete(hash);
      return null;
    }
    const principal: Principal = { tokenId: row.id, scope: row.scope as TokenScope, projectUuid: row.project_uuid };
    if (this.#cache.size > 10_000) this.#cache.clear();
    this.#cache.set(hash, { principal, until: this.#now() + CACHE_MS });
    return principal;
  }

  /**
   * verify's answer without the store: the principal of a secret checked within the last CACHE_MS
   * and not revoked through this instance since, else undefined (then ask verify).
   */
  known(secret: string): Principal | undefined {
    const cached = this.#cache.get(hashToken(secret));
    return cached && cached.until > this.#now() ? cached.principal : undefined;
  }

  /** The principal of a token by id (a forward names the caller's token by id), or null when it is unknown or revoked. */
  async principalById(id: string): Promise<Principal | null> {
    const cached = this.#byId.get(id);
    if (cached && cached.until > this.#now()) return cached.principal;
    const row = await this.#tokens.get(id);
    const principal: Principal | null = row && row.revoked_at === null ? { tokenId: row.id, scope: row.scope as TokenScope, projectUuid: row.project_uuid } : null;
    if (this.#byId.size > 10_000) this.#byId.clear();
    if (principal) this.#byId.set(id, { principal, until: this.#now() + CACHE_MS });
    else this.#byId.delete(id);
    return principal;
  }

  async list(opts: { projectUuid?: string; includeRevoked?: boolean } = {}): Promise<TokenInfo[]> {
    return (await this.#tokens.list(opts)).map(info);
  }

  async get(id: string): Promise<TokenInfo> {
    const row = await this.#tokens.get(id);
    if (!row) throw notFound(id);
    return info(row);
  }

  /** Revokes a token by id (idempotent for a token already revoked; unknown ids throw). */
  async revoke(id: string): Promise<TokenInfo> {
    const row = await this.#tokens.get(id);
    if (!row) throw notFound(id);
    await this.#tokens.revoke(id, new Date(this.#now()).toISOString());
    for (const [hash, entry] of this.#cache) if (entry.principal.tokenId === id) this.#cache.delete(hash);
    this.#byId.delete(id);
    for (const listener of this.#revoked) listener(id);
    return this.get(id);
  }

  /** Tells `listener` of every revocation through this instance (caches of what the token opened forget it at once). */
  onRevoke(listener: (tokenId: string) => void): void {
    this.#revoked.add(listener);
  }

  async #insert(secret: string, opts: { name: string; scope: TokenScope; projectUuid?: string; service?: string }): Promise<{ secret: string; token: TokenInfo }> {
    const row: TokenRow = {
      id: randomUUID(),
      name: opts.name,
      scope: opts.scope,
      project_uuid: opts.scope === 'project' ? (opts.projectUuid ?? null) : null,
      hash: hashToken(secret),
      service: opts.service ?? null,
      created_at: new Date(this.#now()).toISOString(),
      revoked_at: null,
    };
    if (row.scope === 'project' && !row.project_uuid) throw new BerthError('BERTH_E_INVALID_ARGUMENT', 'a project token needs a project', { problems: [{ path: 'project', message: 'missing', fix: 'give the project name or uuid' }] });
    await this.#tokens.insert(row);
    return { secret, token: info(row) };
  }
}

function info(row: TokenRow): TokenInfo {
  return { id: row.id, name: row.name, scope: row.scope as TokenScope, project_uuid: row.project_uuid, service: row.service, created_at: row.created_at, revoked_at: row.revoked_at };
}

function notFound(id: string): BerthError {
  return new BerthError('BERTH_E_TOKEN_NOT_FOUND', `no token ${id}`, { problems: [{ path: 'token', message: 'no token has this id', fix: 'see `berth token list` for ids' }] });
}
