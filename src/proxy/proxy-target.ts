import type { IncomingHttpHeaders } from 'node:http';
import type { Principal } from '../auth/token-registry.ts';
import { BerthError } from '../errors.ts';
import type { ServiceRoute } from '../services/service-manager.ts';
import type { Project } from '../store/project-repository.ts';
import { assertProjectAccess, principalFor } from '../server/auth-hook.ts';
import { bearerToken, cookieToken } from '../server/request-token.ts';
import type { ServerContext } from '../server/server-context.ts';
import type { ProxyUrl } from './proxy-request.ts';

export interface ProxyTarget {
  route: ServiceRoute;
  /** How the caller authenticated (null for a public service). */
  via: 'header' | 'query' | 'cookie' | null;
}

/**
 * Decides whether a proxied request may pass, by exact lookup of project, service and declared
 * port in the store. Public services (requires_authentication: false) need no token. Otherwise:
 * 401 without a valid token, 403 for a token of another project; 404 for an unknown service or
 * an undeclared port is only told to callers allowed to see the project.
 */
export async function resolveProxyTarget(ctx: ServerContext, u: ProxyUrl, headers: IncomingHttpHeaders, ip: string): Promise<ProxyTarget> {
  const { project, route } = await lookup(ctx, u);
  if (route && route.definition.requires_authentication === false) return { route, via: null };
  const header = bearerToken(headers);
  const via = header !== undefined ? 'header' : u.queryToken !== undefined ? 'query' : cookieToken(headers) !== undefined ? 'cookie' : null;
  const secret = header ?? u.queryToken ?? cookieToken(headers);
  const principal = await principalFor(ctx, ip, secret);
  if (project) assertProjectAccess(principal, project);
  if (!route || !project) throw notFound(u, project, principal);
  return { route, via };
}

const LOOKUP_CACHE_MS = 1000;
const lookups = new WeakMap<ServerContext, Map<string, { project: Project | null; route: ServiceRoute | null; until: number; generation: number }>>();

/**
 * Project and route for a URL, remembered for a second per server: the proxy answers many requests
 * per second for few services, and a new or removed service shows up at most this much later
 * (deploy and remove clear the service manager's own cache at once).
 */
async function lookup(ctx: ServerContext, u: ProxyUrl): Promise<{ project: Project | null; route: ServiceRoute | null }> {
  let cache = lookups.get(ctx);
  if (!cache) lookups.set(ctx, (cache = new Map()));
  const key = `${u.project}\0${u.name}\0${u.port}`;
  const hit = cache.get(key);
  const now = Date.now();
  if (hit && hit.until > now && ctx.services.generation === hit.generation) return hit;
  const project = await ctx.projects.find(u.project).catch(() => null);
  const route = project ? await ctx.services.route(project, u.name, u.port) : null;
  if (cache.size > 10_000) cache.clear();
  const entry = { project, route, until: now + LOOKUP_CACHE_MS, generation: ctx.services.generation };
  cache.set(key, entry);
  return entry;
}

function notFound(u: ProxyUrl, project: Project | null, principal: Principal): BerthError {
  if (!project) {
    return new BerthError('BERTH_E_PROJECT_NOT_FOUND', `no project "${u.project}"`, { problems: [{ path: 'project', message: 'unknown project', fix: principal.scope === 'admin' ? 'see GET /api/projects' : 'check the URL' }] });
  }
  return new BerthError('BERTH_E_SERVICE_NOT_FOUND', `project "${project.name}" has no service "${u.name}" with port ${u.port}`, {
    problems: [{ path: 'url', message: 'unknown service or undeclared port', fix: `see GET /api/projects/${project.name}/services for services and their ports` }],
  });
}
