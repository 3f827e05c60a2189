import { Agent, type IncomingMessage } from 'node:http';
import { isUpgradeClaimed } from '../http/upgrade-claims.ts';
import type { Duplex } from 'node:stream';
import replyFrom from '@fastify/reply-from';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createProxyServer } from 'http-proxy-3';
import { Type } from 'typebox';
import { BerthError, isBerthError } from '../errors.ts';
import { ProxyParams } from './proxy-params.ts';
import { assertSameOriginBrowserRequest } from '../auth/cross-site-guard.ts';
import { toBerthError } from '../http/to-berth-error.ts';
import { bearerToken } from '../auth/request-token.ts';
import type { ProxyContext } from './proxy-context.ts';
import { errorPage } from './error-page.ts';
import { forwardTarget } from './forward-target.ts';
import { isDocumentNavigation, localPath, parseHostUrl, parseProxyUrl, PATH_ROUTE_CSP, rewriteLocation, serviceResponseHeaders, upstreamHeaders, upstreamPath, type ProxyUrl } from './proxy-request.ts';
import { handOffLocation, OPEN_PATH, sendRedirect, setServiceCookie } from './service-hand-off.ts';

function causeCode(e: Error & { code?: string; cause?: unknown }): string {
  const cause = e.cause as { code?: string } | undefined;
  return cause?.code ?? e.code ?? e.message;
}
import { lookupService, resolveHostAlias, resolveProxyTarget } from './proxy-target.ts';
import { peerRequest, peerTarget, peerUnavailable } from './peer-forward.ts';
import type { Principal } from '../auth/token-registry.ts';

/**
 * The authenticated reverse proxy to project services: `/api/projects/{project}/services/{name}/{port}/…`
 * for HTTP (a Fastify route, so it is in the OpenAPI document; forwarded by @fastify/reply-from over
 * undici's keep-alive pools) and websockets (the server's `upgrade` event, forwarded by http-proxy-3).
 * With `servicesDomain`, `<name>--<project>[--<port>].<domain>` reaches the same services on their
 * own origins (buildApp routes every request for such a host here).
 */
/** Where buildApp's rewriteUrl sends requests for a service host (the handler reads the real URL from the Host). */
export const HOST_ROUTED_URL = '/api/projects/-/services/-/1/';

export async function serviceProxy(app: FastifyInstance, opts: { ctx: ProxyContext; timeoutMs: number; servicesDomain?: string }): Promise<void> {
  const { ctx, timeoutMs, servicesDomain } = opts;
  const proxyUrlOf = (host: string | undefined, url: string) => (servicesDomain ? parseHostUrl(host, url, servicesDomain) : null) ?? parseProxyUrl(url);
  await app.register(replyFrom, { undici: { connections: 256, pipelining: 1, keepAliveTimeout: 60_000, headersTimeout: timeoutMs, bodyTimeout: timeoutMs }, disableRequestLogging: true, retryMethods: [] });
  const agent = new Agent({ keepAlive: true });
  const wsProxy = createProxyServer({ agent, xfwd: false });
  // http-proxy-3 re-emits the errors of the client's socket and of the service's here (a reset, a
  // client leaving while a non-websocket answer is relayed): each ends that one stream, nothing else.
  wsProxy.on('error', (_err: Error, _req: IncomingMessage, socket: unknown) => {
    if (socket && typeof (socket as Duplex).destroy === 'function') (socket as Duplex).destroy();
  });
  // A handshake's answer gets the same header rules as the HTTP route's (path-routed: on the UI's origin).
  const wsPrefixes = new WeakMap<IncomingMessage, string>();
  wsProxy.on('proxyReqWs', (proxyReq, req) => {
    const prefix = wsPrefixes.get(req);
    if (prefix === undefined) return;
    const scope = (res: IncomingMessage) => {
      res.headers = serviceResponseHeaders(res.headers, prefix);
    };
    proxyReq.prependListener('upgrade', scope);
    proxyReq.prependListener('response', scope);
  });
  app.addHook('onClose', async () => {
    wsProxy.close();
    agent.destroy();
  });

  // The body is streamed to the service as it comes, never parsed here.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));

  /** A browser navigating to a path route: the page opens on the service's own origin instead (via a ticket), never here. */
  const openOnOwnOrigin = async (request: FastifyRequest, reply: FastifyReply, u: ProxyUrl) => {
    const { route } = await lookupService(ctx, u);
    const hasToken = bearerToken(request.headers) !== undefined || u.queryToken !== undefined;
    const next = localPath(`${u.rest || '/'}${u.query}`);
    if (!hasToken && route?.definition.requires_authentication !== false) {
      // Signed in to the web UI? The UI's hand-off route takes its cookie (same-origin only) and mints the ticket.
      return sendRedirect(reply, `${u.prefix.replace(/\/\d+$/, '')}/open?port=${u.port}&next=${encodeURIComponent(next)}`);
    }
    const t = await resolveProxyTarget(ctx, u, request.headers, request.ip, { method: request.method, url: request.originalUrl });
    return sendRedirect(reply, await handOffLocation(ctx, { project: t.project, route: t.route, name: u.name, port: u.port, next, principal: t.principal, domain: servicesDomain, proto: request.protocol, requestHost: request.headers.host }));
  };

  /** `/.berth/open?ticket=…` on a service's own host: a one-time ticket becomes a host-only service session cookie. */
  const redeem = async (reply: FastifyReply, u: ProxyUrl) => {
    const ticket = new URLSearchParams(u.query.slice(1)).get('ticket');
    const { project, route } = await lookupService(ctx, u);
    const opened = ticket && project && route ? await ctx.serviceAccess.redeemTicket(ticket, { projectUuid: project.uuid, service: u.name, instance: route.instance }) : null;
    if (!opened) {
      throw new BerthError('BERTH_E_SERVICE_TICKET', 'the ticket is unknown, already used, expired, or for another service', {
        problems: [{ path: 'ticket', message: 'cannot be redeemed here', fix: 'open the service again from the Berth web UI (a ticket opens one service once, within 60 s)' }],
      });
    }
    setServiceCookie(reply, opened.session, '/', opened.maxAgeSeconds);
    return sendRedirect(reply, localPath(opened.next));
  };

  /** Sends the request to a Berth server on `host`, whose proxy answers it as its own (its answer comes back unchanged). */
  const toPeer = async (request: FastifyRequest, reply: FastifyReply, u: ProxyUrl, host: string, principal: Principal | null, client: { ip: string; proto: 'http' | 'https' }) => {
    const sent = await peerRequest(ctx, { host, what: `service "${u.name}"`, url: peerTarget(u), method: request.method, headers: request.headers, principal, client });
    const down = (e: BerthError) => {
      request.log.warn({ service: u.name, host, code: e.code }, e.message);
      return reply.status(e.httpStatus).header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store').send(errorPage(e.httpStatus, e.message));
    };
    if (sent instanceof BerthError) return down(sent);
    const q = sent.url.indexOf('?');
    return reply.from(`${sent.peer.url}${q < 0 ? sent.url : sent.url.slice(0, q)}`, {
      queryString: () => (q < 0 ? '' : sent.url.slice(q + 1)),
      rewriteRequestHeaders: () => sent.headers,
      onError: (_r, { error }) => {
        ctx.peers?.forget(host);
        void down(peerUnavailable(`service "${u.name}"`, host, sent.peer, causeCode(error as Error)));
      },
    });
  };
  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    const parsedHost = servicesDomain ? parseHostUrl(request.headers.host, request.originalUrl, servicesDomain) : null;
    const hostRouted = parsedHost && (await resolveHostAlias(ctx, parsedHost));
    const u = hostRouted ?? parseProxyUrl(request.originalUrl);
    if (!u) throw new BerthError('BERTH_E_NOT_FOUND', 'not a service URL', { problems: [{ path: 'url', message: 'expected /api/projects/{project}/services/{name}/{port}/…' }] });
    if (hostRouted && u.rest === OPEN_PATH) return redeem(reply, u);
    if (!hostRouted && servicesDomain && isDocumentNavigation(request.headers)) return openOnOwnOrigin(request, reply, u);
    const { route, via, principal, target, client = { ip: request.ip, proto: request.protocol } } = await resolveProxyTarget(ctx, u, request.headers, request.ip, { method: request.method, url: request.originalUrl });
    // SameSite=Lax still sends the cookie from sibling hosts of a shared services domain (same site): mutations must come from the service's own origin.
    if (via === 'service-session' && !['GET', 'HEAD', 'OPTIONS'].includes(request.method)) assertSameOriginBrowserRequest(request.method, request.headers, { requireOrigin: false, credential: "this service's session cookie" });
    if (via === 'query' && principal && (request.method === 'GET' || request.method === 'HEAD')) {
      // The URL's token is exchanged for a service session (never stored in a cookie itself), then the clean URL.
      const session = await ctx.serviceAccess.openSession(principal, target);
      setServiceCookie(reply, session.secret, hostRouted ? '/' : `${u.prefix}/`, session.maxAgeSeconds);
      return sendRedirect(reply, localPath(`${u.prefix}${u.rest || '/'}${u.query}`), 302);
    }
    if (u.rest === '') return sendRedirect(reply, `${u.prefix}/${u.query}`, 302);
    // The service runs on another host: a Berth server there serves it (a forwarded request never goes on).
    if (route.elsewhere !== undefined && via !== 'forward') return toPeer(request, reply, u, route.elsewhere, principal, client);
    const upstream = forwardTarget(request.headers, route, u.name);
    if (upstream instanceof BerthError) {
      const refused = upstream;
      request.log.warn({ service: u.name, project: route.projectUuid, code: refused.code }, refused.message);
      return reply.status(refused.httpStatus).header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store').send(errorPage(refused.httpStatus, refused.message));
    }
    const strip = route.definition.preserve_base_path !== true;
    const { host, port } = upstream;
    const path = upstreamPath(u, !strip);
    const q = path.indexOf('?');
    return reply.from(`http://${host}:${port}${q < 0 ? path : path.slice(0, q)}`, {
      queryString: () => (q < 0 ? '' : path.slice(q + 1)),
      rewriteRequestHeaders: (req, headers) => upstreamHeaders({ ...headers, host: req.headers.host }, { ip: client.ip, proto: client.proto, host: req.headers.host, prefix: u.prefix }, route.upstreamAuthorization),
      rewriteHeaders: (headers) => {
        if (strip && typeof headers.location === 'string') headers.location = rewriteLocation(headers.location, u.prefix, upstream);
        const out = serviceResponseHeaders(headers, u.prefix);
        if (!hostRouted) out['content-security-policy'] = [...[out['content-security-policy'] ?? []].flat(), PATH_ROUTE_CSP];
        return out;
      },
      onError: (r, { error }) => {
        const e = error as Error & { statusCode?: number; code?: string };
        const down = e.statusCode === 504 || /TIMEOUT/i.test(e.code ?? '')
          ? new BerthError('BERTH_E_UPSTREAM_TIMEOUT', `service "${u.name}" did not answer within ${timeoutMs / 1000} s`)
          : new BerthError('BERTH_E_UPSTREAM_UNAVAILABLE', `service "${u.name}" is not reachable on port ${u.port} (${causeCode(e)})`);
        request.log.warn({ service: u.name, project: route.projectUuid, code: causeCode(e) }, down.message);
        void r.status(down.httpStatus).header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store').send(errorPage(down.httpStatus, down.message));
      },
    });
  };
  const schema = {
    summary: "Proxy to a service's declared port (HTTP and websockets)",
    description: "For API clients (and ML Lab's URLs): token as `Authorization: Bearer`, or as `?berth_token=` (exchanged for a service session cookie scoped to this service's path, then redirected to the clean URL). The web UI's cookie is not accepted here. A browser navigation (Sec-Fetch-Mode: navigate) is redirected to the service's own origin (`<name>--<project>--<port>.<services domain>`) through a one-time ticket, so no service page runs in the UI's origin; responses carry `Content-Security-Policy: sandbox` as a second wall. Berth credentials are removed before forwarding.",
    tags: ['proxy'],
    params: Type.Object({ ...ProxyParams.properties, '*': Type.Optional(Type.String()) }),
    response: { 502: Type.String(), 504: Type.String(), 508: Type.String() },
  };
  const methods = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
  app.route({ method: methods, url: '/api/projects/:project/services/:name/:port/*', config: { auth: 'proxy' }, schema, handler });
  app.route({ method: methods, url: '/api/projects/:project/services/:name/:port', config: { auth: 'proxy' }, schema: { ...schema, hide: true }, handler });

  app.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (isUpgradeClaimed(req)) return;
    // Node hands the socket over without its own error handler: a reset or a write after the client
    // left ends this connection only (the proxied stream adds its own handlers on top).
    socket.on('error', () => socket.destroy());
    const parsed = proxyUrlOf(req.headers.host, req.url ?? '');
    if (!parsed) return rejectUpgrade(socket, new BerthError('BERTH_E_NOT_FOUND', 'websockets are only proxied to services'));
    const ip = req.socket.remoteAddress ?? '';
    let u = parsed;
    const seenHere = { ip, proto: 'encrypted' in req.socket ? ('https' as const) : ('http' as const) };
    resolveHostAlias(ctx, parsed).then((resolved) => resolveProxyTarget(ctx, (u = resolved), req.headers, ip, { method: req.method ?? 'GET', url: req.url ?? '' })).then(async ({ route, via, principal, client = seenHere }) => {
      if (via === 'service-session' && !sameOrigin(req)) throw new BerthError('BERTH_E_FORBIDDEN', 'cross-origin websocket with a cookie', { problems: [{ path: 'Origin', message: 'does not match Host', fix: 'open the websocket from the service page itself' }] });
      const host = route.elsewhere;
      if (host !== undefined && via !== 'forward') {
        // To a Berth server on the service's host, whose proxy opens the websocket as its own.
        const sent = await peerRequest(ctx, { host, what: `service "${u.name}"`, url: peerTarget(u), method: req.method ?? 'GET', headers: req.headers, principal, client, upgrade: true });
        if (sent instanceof BerthError) throw sent;
        req.headers = sent.headers;
        req.url = sent.url;
        wsProxy.ws(req, socket, head, { target: sent.peer.url }, (err: Error) => {
          ctx.peers?.forget(host);
          rejectUpgrade(socket, peerUnavailable(`service "${u.name}"`, host, sent.peer, causeCode(err)));
        });
        return;
      }
      const upstream = forwardTarget(req.headers, route, u.name);
      if (upstream instanceof BerthError) throw upstream;
      const strip = route.definition.preserve_base_path !== true;
      req.headers = upstreamHeaders(req.headers, { ip: client.ip, proto: client.proto, host: req.headers.host, prefix: u.prefix }, route.upstreamAuthorization);
      req.url = upstreamPath(u, !strip);
      wsPrefixes.set(req, u.prefix);
      wsProxy.ws(req, socket, head, { target: { host: upstream.host, port: upstream.port } }, () => socket.destroy());
    }).catch((e: unknown) => rejectUpgrade(socket, isBerthError(e) ? e : toBerthError(e as Error)));
  });
}

function rejectUpgrade(socket: Duplex, err: BerthError): void {
  if (socket.destroyed || !socket.writable) return void socket.destroy();
  const body = JSON.stringify({ error: err.toJSON() });
  socket.end(`HTTP/1.1 ${err.httpStatus} ${err.code}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
}

function sameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (!origin) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}
