import { Agent, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import replyFrom from '@fastify/reply-from';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createProxyServer } from 'http-proxy-3';
import { Type } from 'typebox';
import { BerthError, isBerthError } from '../errors.ts';
import { ProxyParams } from '../server/api-schemas.ts';
import { toBerthError } from '../server/error-handler.ts';
import { TOKEN_COOKIE } from '../server/request-token.ts';
import type { ServerContext } from '../server/server-context.ts';
import { errorPage } from './error-page.ts';
import { parseHostUrl, parseProxyUrl, rewriteLocation, upstreamHeaders, upstreamPath, type ProxyUrl } from './proxy-request.ts';

function causeCode(e: Error & { code?: string; cause?: unknown }): string {
  const cause = e.cause as { code?: string } | undefined;
  return cause?.code ?? e.code ?? e.message;
}
import { resolveProxyTarget } from './proxy-target.ts';

/**
 * The authenticated reverse proxy to project services: `/api/projects/{project}/services/{name}/{port}/…`
 * for HTTP (a Fastify route, so it is in the OpenAPI document; forwarded by @fastify/reply-from over
 * undici's keep-alive pools) and websockets (the server's `upgrade` event, forwarded by http-proxy-3).
 * With `servicesDomain`, `<name>--<project>[--<port>].<domain>` reaches the same services on their
 * own origins (buildApp routes every request for such a host here).
 */
/** Where buildApp's rewriteUrl sends requests for a service host (the handler reads the real URL from the Host). */
export const HOST_ROUTED_URL = '/api/projects/-/services/-/1/';

export async function serviceProxy(app: FastifyInstance, opts: { ctx: ServerContext; timeoutMs: number; servicesDomain?: string }): Promise<void> {
  const { ctx, timeoutMs, servicesDomain } = opts;
  const proxyUrlOf = (host: string | undefined, url: string) => (servicesDomain ? parseHostUrl(host, url, servicesDomain) : null) ?? parseProxyUrl(url);
  await app.register(replyFrom, { undici: { connections: 256, pipelining: 1, keepAliveTimeout: 60_000, headersTimeout: timeoutMs, bodyTimeout: timeoutMs }, disableRequestLogging: true, retryMethods: [] });
  const agent = new Agent({ keepAlive: true });
  const wsProxy = createProxyServer({ agent, xfwd: false });
  app.addHook('onClose', async () => {
    wsProxy.close();
    agent.destroy();
  });

  // The body is streamed to the service as it comes, never parsed here.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));

  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    const u = proxyUrlOf(request.headers.host, request.originalUrl);
    if (!u) throw new BerthError('BERTH_E_NOT_FOUND', 'not a service URL', { problems: [{ path: 'url', message: 'expected /api/projects/{project}/services/{name}/{port}/…' }] });
    const { route, via } = await resolveProxyTarget(ctx, u, request.headers, request.ip);
    if (u.rest === '' || (via === 'query' && (request.method === 'GET' || request.method === 'HEAD'))) {
      return redirectClean(reply, u, via === 'query' ? (u.queryToken ?? null) : null, request.protocol === 'https');
    }
    const strip = route.definition.preserve_base_path !== true;
    const { host, port } = route.upstream;
    const path = upstreamPath(u, !strip);
    const q = path.indexOf('?');
    return reply.from(`http://${host}:${port}${q < 0 ? path : path.slice(0, q)}`, {
      queryString: () => (q < 0 ? '' : path.slice(q + 1)),
      rewriteRequestHeaders: (req, headers) => upstreamHeaders({ ...headers, host: req.headers.host }, { ip: req.ip, proto: req.protocol, host: req.headers.host, prefix: u.prefix }),
      rewriteHeaders: (headers) => {
        if (strip && typeof headers.location === 'string') headers.location = rewriteLocation(headers.location, u.prefix, route.upstream);
        return headers;
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
    description: 'Token as `Authorization: Bearer`, as the `berth_token` cookie, or as `?berth_token=` (exchanged for an HttpOnly cookie scoped to the service path, then redirected to the clean URL). Berth credentials are removed before forwarding.',
    tags: ['proxy'],
    params: Type.Object({ ...ProxyParams.properties, '*': Type.Optional(Type.String()) }),
    response: { 502: Type.String(), 504: Type.String() },
  };
  const methods = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
  app.route({ method: methods, url: '/api/projects/:project/services/:name/:port/*', config: { auth: 'proxy' }, schema, handler });
  app.route({ method: methods, url: '/api/projects/:project/services/:name/:port', config: { auth: 'proxy' }, schema: { ...schema, hide: true }, handler });

  app.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const u = proxyUrlOf(req.headers.host, req.url ?? '');
    if (!u) return rejectUpgrade(socket, new BerthError('BERTH_E_NOT_FOUND', 'websockets are only proxied to services'));
    const ip = req.socket.remoteAddress ?? '';
    resolveProxyTarget(ctx, u, req.headers, ip).then(({ route, via }) => {
      if (via === 'cookie' && !sameOrigin(req)) throw new BerthError('BERTH_E_FORBIDDEN', 'cross-origin websocket with a cookie', { problems: [{ path: 'Origin', message: 'does not match Host', fix: 'open the websocket from the service page itself' }] });
      const strip = route.definition.preserve_base_path !== true;
      req.headers = upstreamHeaders(req.headers, { ip, proto: 'encrypted' in req.socket ? 'https' : 'http', host: req.headers.host, prefix: u.prefix });
      req.url = upstreamPath(u, !strip);
      wsProxy.ws(req, socket, head, { target: { host: route.upstream.host, port: route.upstream.port } }, () => socket.destroy());
    }).catch((e: unknown) => rejectUpgrade(socket, isBerthError(e) ? e : toBerthError(e as Error)));
  });
}

function redirectClean(reply: FastifyReply, u: ProxyUrl, token: string | null, secure: boolean) {
  const clean = `${u.prefix}${u.rest || '/'}${u.query}`;
  if (token !== null) {
    const attrs = [`${TOKEN_COOKIE}=${encodeURIComponent(token)}`, `Path=${u.prefix}/`, 'HttpOnly', 'SameSite=Lax', ...(secure ? ['Secure'] : [])];
    void reply.header('set-cookie', attrs.join('; '));
  }
  return reply.header('referrer-policy', 'no-referrer').header('cache-control', 'no-store').redirect(clean, 302);
}

function rejectUpgrade(socket: Duplex, err: BerthError): void {
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
