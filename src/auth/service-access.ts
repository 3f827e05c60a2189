import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { BerthError } from '../errors.ts';
import { serviceHostAlias } from '../core/service-host-alias.ts';
import { ServiceHostRepository } from '../store/service-host-repository.ts';
import { ServiceSessionRepository } from '../store/service-session-repository.ts';
import type { Database } from '../store/tables.ts';
import type { Principal, TokenScope } from './token-registry.ts';
import { hashToken } from './token-secret.ts';

/** One start of one service of one project: what a ticket or a service session is good for. */
export interface ServiceTarget {
  projectUuid: string;
  /** The proxy name (a project service, or `<service>-<session uuid>`). */
  service: string;
  instance: string;
}

/** A service's declared port, as a short host label names it. */
export interface ServiceHost {
  projectUuid: string;
  service: string;
  port: number;
}

type CachedSession = NonNullable<Awaited<ReturnType<ServiceSessionRepository['findSession']>>>;

/** A checked session is remembered this long: a page loading many assets does not hit the store for each. */
const CACHE_MS = 1000;

/** How long a ticket can be redeemed, and how long the service session it opens lasts. */
export const TICKET_MS = 60_000;
export const SERVICE_SESSION_MS = 12 * 3600_000;

/**
 * Browser access to a service without the user's token: an authenticated request mints a one-time
 * ticket (60 s) for one service; the service's own origin redeems it for a service session (a random
 * secret in a host-only cookie, 12 h). Both are stored as hashes, bound to the service's current start
 * and to the user's token, so revoking the token or removing (or restarting) the service ends them
 * (a revocation through another process within CACHE_MS).
 */
export class ServiceAccess {
  readonly #rows: ServiceSessionRepository;
  readonly #hosts: ServiceHostRepository;
  /** Short host labels never change their service: remembered for good (bounded). */
  readonly #aliases = new Map<string, ServiceHost>();
  readonly #now: () => number;
  readonly #cache = new Map<string, { row: CachedSession; until: number }>();

  /** `tokens`: revocations through it end the token's sessions at once (others within CACHE_MS). */
  constructor(db: Kysely<Database>, opts: { now?: () => number; tokens?: { onRevoke(listener: (tokenId: string) => void): void } } = {}) {
    this.#rows = new ServiceSessionRepository(db);
    this.#hosts = new ServiceHostRepository(db);
    this.#now = opts.now ?? Date.now;
    opts.tokens?.onRevoke((tokenId) => {
      for (const [hash, entry] of this.#cache) if (entry.row.token_id === tokenId) this.#cache.delete(hash);
    });
  }

  /** A ticket for `principal` to open `target` and land on `next` (a path on the service's origin). */
  async mintTicket(principal: Principal, target: ServiceTarget, next: string): Promise<string> {
    const secret = newSecret('bt_');
    const now = this.#now();
    await this.#rows.insertTicket({ hash: hashToken(secret), project_uuid: target.projectUuid, service: target.service, instance: target.instance, token_id: principal.tokenId, expires_at: now + TICKET_MS, created_at: new Date(now).toISOString(), next });
    return secret;
  }

  /**
   * Redeems a ticket on the origin of `target` (it is gone afterwards, whatever the outcome): a new
   * service session and where to land, or null for an unknown, used, expired or foreign ticket, or
   * one whose token was revoked since.
   */
  async redeemTicket(ticket: string, target: ServiceTarget): Promise<{ session: string; next: string; maxAgeSeconds: number } | null> {
    const row = await this.#rows.takeTicket(hashToken(ticket), this.#now());
    if (!row || !sameTarget(row, target)) return null;
    const session = await this.#open(row.token_id, target);
    return (await this.verifySession(session.secret, target)) ? { session: session.secret, next: row.next, maxAgeSeconds: session.maxAgeSeconds } : null;
  }

  /** A service session for a principal that authenticated on the service's URL itself (`?berth_token=`). */
  async openSession(principal: Principal, target: ServiceTarget): Promise<{ secret: string; maxAgeSeconds: number }> {
    return this.#open(principal.tokenId, target);
  }

  /** Who a service session acts as, or null when it is unknown, expired, for another service, or its token was revoked. */
  async verifySession(secret: string, target: ServiceTarget): Promise<Principal | null> {
    const known = this.knownSession(secret, target);
    if (known !== undefined) return known;
    const hash = hashToken(secret);
    const now = this.#now();
    const row = await this.#rows.findSession(hash, now);
    if (!row) return null;
    if (this.#cache.size > 10_000) this.#cache.clear();
    this.#cache.set(hash, { row, until: Math.min(now + CACHE_MS, row.expires_at) });
    return sessionPrincipal(row, target);
  }

  /** verifySession's answer from a session checked within the last CACHE_MS (and not ended since), else undefined (then ask verifySession). */
  knownSession(secret: string, target: ServiceTarget): Principal | null | undefined {
    const hit = this.#cache.get(hashToken(secret));
    return hit && hit.until > this.#now() ? sessionPrincipal(hit.row, target) : undefined;
  }

  /**
   * The short host label of a service (`s-<digest>`), stored so the proxy finds the service again:
   * the same label every time; on a collision with another service's label, the next candidate.
   */
  async hostAlias(host: ServiceHost): Promise<string> {
    for (let attempt = 0; attempt < 8; attempt++) {
      const label = serviceHostAlias(host.projectUuid, host.service, host.port, attempt);
      const row = await this.#hosts.claim({ label, project_uuid: host.projectUuid, service: host.service, port: host.port, created_at: new Date(this.#now()).toISOString() });
      if (row.project_uuid === host.projectUuid && row.service === host.service && row.port === host.port) return label;
    }
    throw new BerthError('BERTH_E_CONFLICT', `no free host label for service "${host.service}"`, { problems: [{ path: 'name', message: 'every candidate label is taken', fix: 'rename the service' }] });
  }

  /** findHostAlias's answer when the label was looked up before (labels never change their service), else undefined. */
  knownHostAlias(label: string): ServiceHost | undefined {
    return this.#aliases.get(label);
  }

  /** The service a short host label opens, or null for a label Berth never gave out. */
  async findHostAlias(label: string): Promise<ServiceHost | null> {
    const hit = this.#aliases.get(label);
    if (hit) return hit;
    const row = await this.#hosts.find(label);
    if (!row) return null;
    if (this.#aliases.size > 10_000) this.#aliases.clear();
    const host = { projectUuid: row.project_uuid, service: row.service, port: Number(row.port) };
    this.#aliases.set(label, host);
    return host;
  }

  async #open(tokenId: string, target: ServiceTarget): Promise<{ secret: string; maxAgeSeconds: number }> {
    const secret = newSecret('bs_');
    const now = this.#now();
    await this.#rows.insertSession({ hash: hashToken(secret), project_uuid: target.projectUuid, service: target.service, instance: target.instance, token_id: tokenId, expires_at: now + SERVICE_SESSION_MS, created_at: new Date(now).toISOString() });
    return { secret, maxAgeSeconds: SERVICE_SESSION_MS / 1000 };
  }
}

function newSecret(prefix: string): string {
  return `${prefix}${randomBytes(32).toString('base64url')}`;
}

function sessionPrincipal(row: CachedSession, target: ServiceTarget): Principal | null {
  return sameTarget(row, target) ? { tokenId: row.token_id, scope: row.scope as TokenScope, projectUuid: row.token_project_uuid } : null;
}

function sameTarget(row: { project_uuid: string; service: string; instance: string }, target: ServiceTarget): boolean {
  return row.project_uuid === target.projectUuid && row.service === target.service && row.instance === target.instance;
}
