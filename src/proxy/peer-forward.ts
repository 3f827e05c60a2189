import type { IncomingHttpHeaders } from 'node:http';
import { bearerToken, cookiesWithoutToken } from '../auth/request-token.ts';
import { FORWARD_HEADER } from '../auth/forward-signature.ts';
import type { Principal } from '../auth/token-registry.ts';
import { BerthError } from '../errors.ts';
import type { Peer } from '../leases/server-peers.ts';
import type { ProxyContext } from './proxy-context.ts';
import { HOP_HEADER, hopsOf, type ProxyUrl } from './proxy-request.ts';

/** Hop-by-hop headers (RFC 9110 7.6.1): the hop to the other server is a hop of its own. */
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'expect'];

/** A request for a service on another host, ready to go to a Berth server there. */
export interface PeerRequest {
  peer: Peer;
  /** Path and query the other server gets (the one the forward is signed for). */
  url: string;
  headers: IncomingHttpHeaders;
}

/**
 * The request to send to a Berth server on `host` (where `service` runs) instead of to the service
 * (or instead of answering an API request about it here; `what` names it for errors): the same target `url` (a path route, or a
 * service host by the same Host header; never with `?berth_token=`) without Berth's credentials —
 * no Bearer token, no Berth cookie — and with a forward header signed for that server, naming the
 * caller this server authenticated (`principal`, null for a public service) and the client's
 * address. That server answers it as its own. BERTH_E_PEER_UNAVAILABLE (503) when no server holds
 * a live lease on that host.
 */
export async function peerRequest(ctx: Pick<ProxyContext, 'peers'>, o: { host: string; what: string; url: string; method: string; headers: IncomingHttpHeaders; principal: Principal | null; client: { ip: string; proto: 'http' | 'https' }; upgrade?: boolean }): Promise<PeerRequest | BerthError> {
  const peer = ctx.peers ? await ctx.peers.on(o.host) : null;
  if (!peer || !ctx.peers) return peerUnavailable(o.what, o.host);
  const { url } = o;
  const headers: IncomingHttpHeaders = { ...o.headers };
  const named = typeof headers.connection === 'string' ? headers.connection.toLowerCase().split(',').map((n) => n.trim()) : [];
  for (const name of [...named, ...HOP_BY_HOP]) if (!(o.upgrade && ['connection', 'upgrade'].includes(name))) delete headers[name];
  if (o.upgrade) {
    headers.connection = 'Upgrade';
    headers.upgrade = o.headers.upgrade;
  } else delete headers.upgrade;
  if (bearerToken(headers) !== undefined) delete headers.authorization;
  const cookie = cookiesWithoutToken(headers.cookie);
  if (cookie === undefined) delete headers.cookie;
  else headers.cookie = cookie;
  headers[HOP_HEADER] = String(hopsOf(o.headers) + 1);
  headers[FORWARD_HEADER] = ctx.peers.sign(peer, { method: o.method, url, host: headers.host ?? '', tokenId: o.principal?.tokenId ?? null, ...o.client });
  return { peer, url, headers };
}

/** The target a server on the service's host gets: the client's, without `?berth_token=` (the forward vouches for the caller). */
export function peerTarget(u: ProxyUrl): string {
  return `${u.prefix}${u.rest || '/'}${u.query}`;
}

/** (`what`: e.g. `service "web"`.) The other host's server did not answer (`cause`) or none is up there: 503 naming the host, never a hang. */
export function peerUnavailable(what: string, host: string, peer?: Peer, cause?: string): BerthError {
  const why = peer ? `the Berth server there (${peer.url}) is not reachable (${cause ?? 'no answer'})` : 'no Berth server there holds a live lease now';
  return new BerthError('BERTH_E_PEER_UNAVAILABLE', `${what} runs on host "${host}"; ${why}`, {
    problems: [{ path: 'service', message: `supervised on host "${host}"`, fix: `start (or restart) a Berth server on host "${host}" with this store, then try again` }],
  });
}
