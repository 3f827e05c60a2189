import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Principal } from '../auth/token-registry.ts';
import { BerthError } from '../errors.ts';
import type { Project } from '../store/project-repository.ts';
import { assertSameOriginBrowserRequest } from '../auth/cross-site-guard.ts';
import { bearerToken, cookieToken } from '../auth/request-token.ts';
import { principalFor } from '../auth/principal-for.ts';
import { assertProjectAccess } from '../auth/assert-project-access.ts';
import type { ServerContext } from './server-context.ts';

/**
 * Who may call a route: `public` anyone; `admin` admin tokens; `project` admin tokens and tokens of
 * the project in the `{project}` parameter; `run` / `job` likewise for the project of the `{run}` /
 * `{job}` parameter;
 * `proxy` routes authenticate themselves (three token forms, public services).
 */
export const DOCS_PREFIX = '/api/docs';

export type AuthMode = 'public' | 'admin' | 'project' | 'run' | 'job' | 'proxy';

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
  const bearer = bearerToken(request.headers);
  if (bearer !== undefined) return principalFor(ctx, request.ip, bearer);
  const cookie = cookieToken(request.headers);
  if (cookie !== undefined) assertSameOriginBrowserRequest(request.method, request.headers, { requireOrigin: true });
  return principalFor(ctx, request.ip, cookie);
}


async function authorize(ctx: ServerContext, request: FastifyRequest, mode: AuthMode): Promise<void> {
  const principal = request.principal!;
  const params = (request.params ?? {}) as Record<string, string | undefined>;
  if (mode === 'admin') {
    if (principal.scope === 'admin') return;
    throw new BerthError('BERTH_E_FORBIDDEN', 'this route needs an admin token', {
      problems: [{ path: 'Authorization', message: 'a project token cannot do this', fix: 'use the admin token (BERTH_ADMIN_TOKEN or the one printed at first start)' }],
    });
  }
  if (mode === 'project') {
    request.project = await ctx.projects.find(decodeURIComponent(params.project ?? ''));
    assertProjectAccess(principal, request.project);
    return;
  }
  if (mode === 'job') {
    const job = await ctx.engine.jobs.find(params.job ?? '');
    if (principal.scope === 'admin' || principal.projectUuid === job.project_uuid) return;
    throw new BerthError('BERTH_E_FORBIDDEN', `this token is not allowed to use job ${job.uuid}`, {
      problems: [{ path: 'Authorization', message: "the job belongs to another project than the token's", fix: "use an admin token or a token of the job's project" }],
    });
  }
  const run = await ctx.engine.findRun(params.run ?? '');
  if (principal.scope === 'admin' || principal.projectUuid === run.project_uuid) return;
  throw new BerthError('BERTH_E_FORBIDDEN', `this token is not allowed to use run ${run.uuid}`, {
    problems: [{ path: 'Authorization', message: "the run belongs to another project than the token's", fix: "use an admin token or a token of the run's project" }],
  });
}
