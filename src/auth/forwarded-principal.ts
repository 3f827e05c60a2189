import type { IncomingHttpHeaders } from 'node:http';
import { BerthError } from '../errors.ts';
import { FORWARD_HEADER, type ForwardClaims } from './forward-signature.ts';
import type { Principal, TokenRegistry } from './token-registry.ts';

/** What checks a forward (ServerPeers): null on a server that does not share a store with others. */
export interface ForwardGate {
  accept(header: string, req: { method: string; url: string; host: string }): ForwardClaims;
}

/** A request another Berth server forwarded: the caller it authenticated, and where the caller came from. */
export interface Forwarded {
  /** Null: a public service's request (no credential was needed). */
  principal: Principal | null;
  client: { ip: string; proto: 'http' | 'https' };
  from: string;
}

/**
 * The forwarded caller of a request that carries a forward header; undefined for any other request.
 * The header must check out on this server (gate.accept: signature, addressee, this request, window,
 * no replay) and the token it names must still be valid here, else 401 — a forged, replayed or
 * stale forward is never anyone.
 */
export function forwardedPrincipal(ctx: { peers?: ForwardGate | null; tokens: TokenRegistry }, req: { method: string; url: string; headers: IncomingHttpHeaders }): Promise<Forwarded | undefined> {
  if (req.headers[FORWARD_HEADER] === undefined) return Promise.resolve(undefined);
  // Decided once per request (a forward is accepted once): the proxy's fast path and the route that
  // takes over from it get the same answer, acceptance or refusal.
  let decided = decisions.get(req.headers);
  if (!decided) {
    decided = decide(ctx, req);
    decided.catch(() => undefined);
    decisions.set(req.headers, decided);
  }
  return decided;
}

const decisions = new WeakMap<IncomingHttpHeaders, Promise<Forwarded>>();

async function decide(ctx: { peers?: ForwardGate | null; tokens: TokenRegistry }, req: { method: string; url: string; headers: IncomingHttpHeaders }): Promise<Forwarded> {
  const raw = req.headers[FORWARD_HEADER]!;
  if (!ctx.peers) {
    throw new BerthError('BERTH_E_FORWARD_REFUSED', 'a forwarded request was refused: this server shares no store with other servers', {
      problems: [{ path: 'X-Berth-Forward', message: 'not accepted here', fix: 'send the request with your token instead' }],
    });
  }
  const claims = ctx.peers.accept(Array.isArray(raw) ? raw.join(',') : raw, { method: req.method, url: req.url, host: req.headers.host ?? '' });
  const principal = claims.tokenId === null ? null : await ctx.tokens.principalById(claims.tokenId);
  if (claims.tokenId !== null && !principal) {
    throw new BerthError('BERTH_E_UNAUTHORIZED', 'the token of the forwarded request is unknown or revoked', {
      problems: [{ path: 'Authorization', message: 'invalid token', fix: 'use a current token (see `berth token list`)' }],
    });
  }
  return { principal, client: { ip: claims.ip, proto: claims.proto === 'https' ? 'https' : 'http' }, from: claims.from };
}
