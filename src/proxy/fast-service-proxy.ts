import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { Agent } from 'undici';
import { BerthError } from '../errors.ts';
import { authorizedTarget, knownAuthorizedTarget, type AuthorizedTarget } from './authorized-target.ts';
import { errorPage } from './error-page.ts';
import type { ProxyContext } from './proxy-context.ts';
import { hopByHop, isDocumentNavigation, parseHostUrl, parseProxyUrl, PATH_ROUTE_CSP, rewriteLocation, serviceResponseHeaders, upstreamHeaders, upstreamPath, type ProxyUrl } from './proxy-request.ts';
import { ResponseRelay } from './response-relay.ts';
import { OPEN_PATH } from './service-hand-off.ts';
import { knownHostAlias, resolveHostAlias } from './proxy-target.ts';
import { peerRequest, peerTarget, peerUnavailable } from './peer-forward.ts';
import type { Principal } from '../auth/token-registry.ts';
import type { ServiceRoute } from '../services/service-route.ts';

/** What the server does with a request the fast path does not take (the Fastify app). */
export type NextHandler = (req: IncomingMessage, res: ServerResponse) => void;

export interface FastServiceProxy {
  /** Forwards a plainly authorised request for a service, or hands any other request to `next`. */
  handle(req: IncomingMessage, res: ServerResponse, next: NextHandler): void;
  close(): Promise<void>;
}

export interface FastProxyLog {
  warn(fields: object, message: string): void;
  /** One line per forwarded request, when the server logs requests. */
  request?(req: IncomingMessage, ip: string, statusCode: number, ms: number): void;
}

type UpstreamError = Error & { code?: string; cause?: { code?: string } };

interface Peer {
  ip: string;
  proto: 'http' | 'https';
  started: number;
}

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * The service proxy's fast path, in front of Fastify on the server's `request` event: a request for
 * a service that is plainly allowed (a valid token of the project or admin, this service's own
 * session cookie, or a public service; the port held by the service; no loop) is streamed to the
 * service over pooled keep-alive connections (undici), with exactly the header rules of the
 * Fastify route (credentials removed, X-Forwarded-* set, responses scoped). Everything else — a
 * refusal, a redirect, a ticket, `?berth_token=`, a browser navigation to a path route — goes to
 * the Fastify route (`next`), which decides again and answers with its codes; the fast path never
 * answers a refusal itself, so the API's error contract stays in one place.
 */
export function fastServiceProxy(ctx: ProxyContext, opts: { timeoutMs: number; servicesDomain?: string; log: FastProxyLog }): FastServiceProxy {
  const { timeoutMs, servicesDomain, log } = opts;
  const upstream = new Agent({ connections: 256, pipelining: 1, keepAliveTimeout: 60_000, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });

  const forward = (req: IncomingMessage, res: ServerResponse, u: ProxyUrl, hostRouted: boolean, route: { projectUuid: string; definition: { preserve_base_path?: boolean }; upstreamAuthorization?: string }, target: { host: string; port: number }, peer: Peer, client: { ip: string; proto: string } = peer) => {
    const strip = route.definition.preserve_base_path !== true;
    const { host, port } = target;
    const headers = upstreamHeaders(req.headers, { ip: client.ip, proto: client.proto, host: req.headers.host, prefix: u.prefix }, route.upstreamAuthorization, { withoutHopByHop: true });
    const method = req.method!;
    const hasBody = requestHasBody(req);
    const head = (_status: number, got: IncomingHttpHeaders) => {
      const out = serviceResponseHeaders(got, u.prefix, { withoutHopByHop: true });
      if (strip && typeof out.location === 'string') out.location = rewriteLocation(out.location, u.prefix, target);
      if (!hostRouted) {
        const csp = out['content-security-policy'];
        out['content-security-policy'] = csp === undefined ? PATH_ROUTE_CSP : [...[csp].flat(), PATH_ROUTE_CSP];
      }
      return out as Record<string, string | string[]>;
    };
    const done = (err?: Error) => {
      if (err) return upstreamFailed(res, err as UpstreamError, u, route.projectUuid);
      log.request?.(req, peer.ip, res.statusCode, performance.now() - peer.started);
    };
    upstream.dispatch({ origin: `http://${host}:${port}`, path: upstreamPath(u, !strip), method, headers: headers as Record<string, string | string[]>, body: hasBody ? req : null }, new ResponseRelay(res, head, done));
  };

  /** To a Berth server on the service's host (decision 0022): its proxy answers, and its answer is relayed unchanged. */
  const toPeer = async (req: IncomingMessage, res: ServerResponse, u: ProxyUrl, t: { route: ServiceRoute; principal: Principal | null; elsewhere: string }, peer: Peer) => {
    const host = t.elsewhere;
    const what = `service "${u.name}"`;
    const sent = await peerRequest(ctx, { host, what, url: peerTarget(u), method: req.method!, headers: req.headers, principal: t.principal, client: { ip: peer.ip, proto: peer.proto } });
    const failed = (e: BerthError) => {
      if (res.headersSent || res.destroyed) return void res.destroy();
      log.warn({ service: u.name, project: t.route.projectUuid, host, code: e.code }, e.message);
      res.writeHead(e.httpStatus, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(errorPage(e.httpStatus, e.message));
    };
    if (sent instanceof BerthError) return failed(sent);
    const done = (err?: Error) => {
      if (!err) return log.request?.(req, peer.ip, res.statusCode, performance.now() - peer.started);
      ctx.peers?.forget(host);
      const e = err as UpstreamError;
      failed(peerUnavailable(what, host, sent.peer, e.cause?.code ?? e.code ?? e.message));
    };
    upstream.dispatch({ origin: sent.peer.url, path: sent.url, method: req.method!, headers: sent.headers as Record<string, string | string[]>, body: requestHasBody(req) ? req : null }, new ResponseRelay(res, (_status, got) => withoutHopByHop(got), done));
  };

  const upstreamFailed = (res: ServerResponse, err: UpstreamError, u: ProxyUrl, project: string) => {
    // The client left (its response was destroyed), or the answer was under way: that stream ends, nothing else.
    if (res.headersSent || res.destroyed) return void res.destroy();
    const code = err.cause?.code ?? err.code ?? err.message;
    const down = /TIMEOUT/i.test(err.code ?? '')
      ? new BerthError('BERTH_E_UPSTREAM_TIMEOUT', `service "${u.name}" did not answer within ${timeoutMs / 1000} s`)
      : new BerthError('BERTH_E_UPSTREAM_UNAVAILABLE', `service "${u.name}" is not reachable on port ${u.port} (${code})`);
    log.warn({ service: u.name, project, code }, down.message);
    res.writeHead(down.httpStatus, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(errorPage(down.httpStatus, down.message));
  };

  return {
    handle(req, res, next) {
      const url = req.url ?? '/';
      const hostRouted = servicesDomain ? parseHostUrl(req.headers.host, url, servicesDomain) : null;
      if (!hostRouted && !url.startsWith('/api/projects/')) return next(req, res);
      const u = hostRouted ?? parseProxyUrl(url);
      if (!u || (!hostRouted && u.port < 1) || !METHODS.has(req.method ?? '') || u.queryToken !== undefined || u.rest === '' || u.project.length > 100 || u.name.length > 63) return next(req, res);
      if (hostRouted ? u.rest === OPEN_PATH : servicesDomain !== undefined && isDocumentNavigation(req.headers)) return next(req, res);
      // Read now: the socket may be detached from the request by the time the answer is complete.
      const peer: Peer = { ip: req.socket.remoteAddress ?? '', proto: 'encrypted' in req.socket ? 'https' : 'http', started: log.request ? performance.now() : 0 };
      const go = (resolved: ProxyUrl, t: AuthorizedTarget | null) => {
        if (!t) return next(req, res);
        if (t.elsewhere !== undefined) {
          toPeer(req, res, resolved, t, peer).catch((e: unknown) => upstreamFailed(res, e as UpstreamError, resolved, t.route.projectUuid));
          return;
        }
        try {
          forward(req, res, resolved, hostRouted !== null, t.route, t.target, peer, t.client);
        } catch (e) {
          upstreamFailed(res, e as UpstreamError, resolved, t.route.projectUuid);
        }
      };
      // What this server remembers decides most requests at once; the rest wait for the store.
      const known = knownHostAlias(ctx, u);
      const now = known && knownAuthorizedTarget(ctx, known, req.method!, req.headers);
      if (known && now !== undefined) return go(known, now);
      let resolved = u;
      resolveHostAlias(ctx, u).then((r) => authorizedTarget(ctx, (resolved = r), req.method!, url, req.headers)).then(
        (t) => go(resolved, t),
        () => next(req, res),
      );
    },
    close: () => upstream.close(),
  };
}

/** Whether a request has a body to stream on (a GET or HEAD never does). */
function requestHasBody(req: IncomingMessage): boolean {
  const method = req.method;
  return method !== 'GET' && method !== 'HEAD' && (req.headers['content-length'] !== undefined ? req.headers['content-length'] !== '0' : req.headers['transfer-encoding'] !== undefined);
}

/** A copy without hop-by-hop headers and the ones the Connection header names. */
function withoutHopByHop(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const drop = hopByHop(headers);
  const out: Record<string, string | string[]> = {};
  for (const name of Object.keys(headers)) if (!drop(name) && headers[name] !== undefined) out[name] = headers[name];
  return out;
}
