import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Principal } from '../auth/token-registry.ts';
import { BerthError } from '../errors.ts';
import type { Project } from '../store/project-repository.ts';
import { assertSameOriginBrowserRequest } from '../auth/cross-site-guard.ts';
import { bearerToken, cookieToken } from '../auth/request-token.ts';
import { principalFor } from '../auth/principal-for.ts';
import { forwardedPrincipal } from '../auth/forwarded-principal.ts';
import { assertProjectAccess } from '../auth/assert-project-access.ts';
import type { ServerContext } from './server-context.ts';

/**
 * Who may call a route: `public` anyone; `token` any valid token (what it does is its own: git credentials); `admin` admin tokens; `project` admin tokens and tokens of
 * the project in the `{project}` parameter; `run` / `job` likewise for the project of the `{run}` /
 * `{job}` parameter;
 * `proxy` routes authenticate themselves (three token forms, public services).
 */
export const DOCS_PREFIX = '/api/docs';

export type AuthMode = 'public' | 'token' | 'admin' | 'project' | 'run' | 'job' | 'proxy';

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: AuthMode;
  }
  interface FastifyRequest {
    principal: Principal | null;
    project: Project | null;
  }
}

/** Checks the bearer token (or the web UI's session cookie) of every API request (401, 429) and the route's scope (403) before the body is read. */
export function registerAuth(app: FastifyInstance, ctx: ServerContext): void {
  app.decorateRequest('principal', null);
  app.decorateRequest('project', null);
  app.addHook('onRequest', async (request) => {
    const url = request.routeOptions.url;
    // Unknown routes answer 404; the docs page's assets are public; any other route without a mode is admin-only.
    const mode = request.routeOptions.config.auth ?? (url === undefined || url.startsWith(DOCS_PREFIX) ? 'public' : 'admin');
    if (mode === 'public' || mode === 'proxy') return;
    request.principal = await authenticate(ctx, request);
    await authorize(ctx, request, mode);
  });
}


async function authenticate(ctx: ServerContext, request: FastifyRequest): Promise<Principal> {
  // A request another Berth server forwarded (about a service on this host): the caller it authenticated.
  const forwarded = await forwardedPrincipal(ctx, { method: request.method, url: request.originalUrl, headers: request.headers });
  if (forwarded?.principal) return forwarded.principal;
  if (forwarded) throw new BerthError('BERTH_E_UNAUTHORIZED', 'this route needs a token', { problems: [{ path: 'X-Berth-Forward', message: 'the forward names no caller', fix: 'send "Authorization: Bearer <token>"' }] });
  return principalOfRequest(ctx, request.ip, request.method, request.headers);
}

/**
 * The principal of an API request's headers: a Bearer token, else the web UI's session cookie (only
 * from the UI's own origin; websockets pass `method` as a mutation so their Origin is checked).
 */
export async function principalOfRequest(ctx: ServerContext, address: string, method: string, headers: IncomingHttpHeaders): Promise<Principal> {
  const bearer = bearerToken(headers);
  if (bearer !== undefined) return principalFor(ctx, address, bearer);
  const cookie = cookieToken(headers);
  if (cookie === undefined) return principalFor(ctx, address, undefined);
  assertSameOriginBrowserRequest(method, headers, { requireOrigin: true });
  return principalForWebSession(ctx, address, cookie);
}

/** The principal of the web UI's session cookie (a session id, never a token), with failed attempts rate-limited. */
export async function principalForWebSession(ctx: ServerContext, address: string, id: string | undefined): Promise<Principal> {
  const wait = ctx.limiter.retryAfter(address);
  if (wait > 0) {
    throw new BerthError('BERTH_E_RATE_LIMITED', `too many failed attempts from ${address}; try again in ${wait} s`, {
      problems: [{ path: 'Cookie', message: 'rate limited', fix: `wait ${wait} seconds and sign in again` }],
      details: { retry_after: wait },
    });
  }
  const principal = id === undefined ? null : await ctx.webSessions.verify(id);
  if (principal) return principal;
  if (id !== undefined) ctx.limiter.fail(address);
  throw new BerthError('BERTH_E_UNAUTHORIZED', id === undefined ? 'not signed in' : 'the session is unknown, expired or signed out, or its token was revoked', {
    problems: [{ path: 'Cookie', message: 'no current session', fix: 'sign in again with a token' }],
  });
}


async function authorize(ctx: ServerContext, request: FastifyRequest, mode: AuthMode): Promise<void> {
  const principal = request.principal!;
  const params = (request.params ?? {}) as Record<string, string | undefined>;
  if (mode === 'token') return;
  if (mode === 'admin') {
    if (principal.scope === 'admin') return;
    throw new BerthError('BERTH_E_FORBIDDEN', 'this route needs an admin token', {
      problems: [{ path: 'Authorization', message: 'a project token cannot do this', fix: 'use the admin token (BERTH_ADMIN_TOKEN or the one printed at first start)' }],
    });
  }
  if (mode === 'project') {
    request.project = await ctx.projects.find(params.project ?? '');
    assertProjectAccess(principal, request.project);
    return;
  }
  // A project token sees only its project's jobs and runs: another project's answers 404 like one
  // that does not exist (no 403 by existence, no id echoed, no prefix oracle). The handler then gets
  // the full uuid, so it finds exactly what was authorized.
  const scope = principal.scope === 'admin' ? {} : { projectUuid: principal.projectUuid ?? '' };
  if (mode === 'job') {
    params.job = (await ctx.engine.jobs.find(params.job ?? '', scope)).uuid;
    return;
  }
  params.run = (await ctx.engine.findRun(params.run ?? '', scope)).uuid;
}
