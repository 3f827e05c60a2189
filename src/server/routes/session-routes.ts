import type { FastifyInstance, FastifyReply } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { principalFor } from '../../auth/principal-for.ts';
import { errorResponses, SessionBody, SessionInfo } from '../api-schemas.ts';
import { assertSameOriginBrowserRequest } from '../../auth/cross-site-guard.ts';
import { cookieToken, TOKEN_COOKIE } from '../../auth/request-token.ts';
import type { ServerContext } from '../server-context.ts';

/** The browser session: the token lives only in an HttpOnly, SameSite=Strict cookie (never in page script storage). */
function setCookie(reply: FastifyReply, value: string, maxAge: number): void {
  const secure = reply.request.protocol === 'https' ? '; Secure' : '';
  void reply.header('set-cookie', `${TOKEN_COOKIE}=${encodeURIComponent(value)}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${secure}`);
}

/**
 * Sign in / out for the web UI. POST checks the token (failed attempts are rate-limited like any
 * other) and sets the cookie the API and the service proxy accept; GET tells who the cookie is;
 * DELETE clears it.
 */
export async function sessionRoutes(root: FastifyInstance, ctx: ServerContext): Promise<void> {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['session'];
  const config = { auth: 'public' as const };
  app.post('/api/session', {
    config,
    schema: { summary: 'Sign in: exchange a token for an HttpOnly session cookie', tags, body: SessionBody, response: { 200: SessionInfo, ...errorResponses } },
  }, async (request, reply) => {
    assertSameOriginBrowserRequest(request.method, request.headers, { requireOrigin: false });
    const principal = await principalFor(ctx, request.ip, request.body.token);
    setCookie(reply, request.body.token!, 7 * 24 * 3600);
    return { scope: principal.scope, project_uuid: principal.projectUuid };
  });
  app.get('/api/session', {
    config,
    schema: { summary: "Who the session cookie belongs to (401 when signed out)", tags, response: { 200: SessionInfo, ...errorResponses } },
  }, async (request) => {
    assertSameOriginBrowserRequest(request.method, request.headers, { requireOrigin: false });
    const principal = await principalFor(ctx, request.ip, cookieToken(request.headers));
    return { scope: principal.scope, project_uuid: principal.projectUuid };
  });
  app.delete('/api/session', {
    config,
    schema: { summary: 'Sign out: clear the session cookie', tags, response: { 204: Type.Null(), ...errorResponses } },
  }, async (request, reply) => {
    assertSameOriginBrowserRequest(request.method, request.headers, { requireOrigin: false });
    setCookie(reply, '', 0);
    return reply.status(204).send(null);
  });
}
