import type { Kysely } from 'kysely';
import { FORWARD_WINDOW_MS, readForward, signForward, type ForwardClaims } from '../auth/forward-signature.ts';
import { BerthError } from '../errors.ts';
import { LeaseRepository } from '../store/lease-repository.ts';
import type { Database } from '../store/tables.ts';

/** Where to send a request for what runs on another host: a live server there. */
export interface Peer {
  id: string;
  url: string;
}

/** Peers are looked up again after this long (a server that started or stopped shows up within it). */
const PEER_CACHE_MS = 1000;
/** At most this many nonces are remembered (forwards within the window beyond it are refused, not trusted). */
const MAX_NONCES = 200_000;

/**
 * This server among the servers of a shared store: finds a live server on another host to forward
 * a request to (by the leases: reachable URL, live lease, latest heartbeat first), signs the forwards
 * it sends (forward-signature.ts, with a key every server shares) and checks the ones it receives:
 * addressed to this server, naming this very request, within the window, and never seen before.
 */
export class ServerPeers {
  readonly selfId: string;
  readonly host: string;
  readonly #key: Buffer;
  readonly #leases: LeaseRepository;
  readonly #now: () => number;
  readonly #peers = new Map<string, { peers: Peer[]; until: number }>();
  readonly #seen = new Map<string, number>();

  constructor(db: Kysely<Database>, opts: { selfId: string; host: string; key: Buffer; now?: () => number }) {
    this.selfId = opts.selfId;
    this.host = opts.host;
    this.#key = opts.key;
    this.#leases = new LeaseRepository(db);
    this.#now = opts.now ?? Date.now;
  }

  /** A live, reachable server on `host` (never this one), or null when none holds a lease now. */
  async on(host: string): Promise<Peer | null> {
    const now = this.#now();
    let hit = this.#peers.get(host);
    if (!hit || hit.until <= now) {
      hit = { peers: (await this.#leases.reachableOn(host, new Date(now).toISOString())).filter((p) => p.id !== this.selfId), until: now + PEER_CACHE_MS };
      this.#peers.set(host, hit);
    }
    return hit.peers[0] ?? null;
  }

  /** Forgets what is known of `host`'s servers (one did not answer: look again on the next request). */
  forget(host: string): void {
    this.#peers.delete(host);
  }

  /** The forward header for a request to `peer` on behalf of the caller this server authenticated. */
  sign(peer: Peer, req: { method: string; url: string; host: string; tokenId: string | null; ip: string; proto: 'http' | 'https' }): string {
    return signForward(this.#key, { ...req, to: peer.id, from: this.selfId, at: this.#now() });
  }

  /** The claims of a forward this server received; BERTH_E_FORWARD_REFUSED (401) for anything else, a replay included. */
  accept(header: string, req: { method: string; url: string; host: string }): ForwardClaims {
    const now = this.#now();
    const claims = readForward(this.#key, header, { ...req, to: this.selfId, now });
    if ('refused' in claims) throw refused(claims.refused);
    this.#forgetOld(now);
    if (this.#seen.has(claims.nonce)) throw refused('the forward was already used (a replay)');
    if (this.#seen.size >= MAX_NONCES) throw refused('too many forwards within the window');
    this.#seen.set(claims.nonce, claims.at + FORWARD_WINDOW_MS);
    return claims;
  }

  #forgetOld(now: number): void {
    for (const [nonce, until] of this.#seen) {
      if (until >= now) break;
      this.#seen.delete(nonce);
    }
  }
}

function refused(why: string): BerthError {
  return new BerthError('BERTH_E_FORWARD_REFUSED', `a forwarded request was refused: ${why}`, {
    problems: [{ path: 'X-Berth-Forward', message: why, fix: 'only Berth servers of the same store forward requests to each other; send the request with your token instead' }],
  });
}
