import type { IncomingHttpHeaders } from 'node:http';
import type { ServiceTarget } from '../auth/service-access.ts';
import type { Principal } from '../auth/token-registry.ts';
import { BerthError } from '../errors.ts';
import type { ServiceRoute } from '../services/service-manager.ts';
import type { Project } from '../store/project-repository.ts';
import { assertProjectAccess } from '../auth/assert-project-access.ts';
import { principalFor } from '../auth/principal-for.ts';
import { bearerToken, cookieToken, SERVICE_COOKIE } from '../auth/request-token.ts';
import type { ProxyContext } from './proxy-context.ts';
import { forwardedPrincipal } from '../auth/forwarded-principal.ts';
import type { ProxyUrl } from './proxy-request.ts';

export interface ProxyTarget {
  route: ServiceRoute;
  project: Project;
  /** How the caller authenticated (null for a public service; forward: another Berth server vouches for the caller). */
  via: 'header' | 'query' | 'service-session' | 'forward' | null;
  principal: Principal | null;
  /** A forwarded request's caller as the forwarding server saw it (X-Forwarded-* name it, not that server). */
  client?: { ip: string; proto: 'http' | 'https' };
  /** What a ticket or service session for this URL is bound to. */
  target: ServiceTarget;
}

/**
 * Decides whether a proxied request may pass, by exact lookup of project, service and declared
 * port in the store. Public services (requires_authentication: false) need no token. Otherwise the
 * credential is a token (`Authorization: Bearer`, or `?berth_token=`) or a service session cookie
 * of this very service — never the web UI's cookie: 401 without a valid one, 403 for a token of
 * another project; 404 for an unknown service or an undeclared port is only told to callers allowed
 * to see the project.
 */
export async function resolveProxyTarget(ctx: ProxyContext, u: ProxyUrl, headers: IncomingHttpHeaders, ip: string, req: { method: string; url: string }): Promise<ProxyTarget> {
  const { project, route } = await lookupService(ctx, u);
  const target = { projectUuid: project?.uuid ?? '', service: u.name, instance: route?.instance ?? '' };
  const forwarded = await forwardedPrincipal(ctx, { ...req, headers });
  if (forwarded) {
    // Another Berth server authenticated the caller (the caller's credential never travels here).
    const { principal } = forwarded;
    if (principal && project) assertProjectAccess(principal, project);
    if (!route || !project) throw notFound(u, project, principal);
    if (!principal && route.definition.requires_authentication !== false) {
      throw new BerthError('BERTH_E_UNAUTHORIZED', `service "${u.name}" needs a Berth token`, { problems: [{ path: 'X-Berth-Forward', message: 'the forward names no caller', fix: 'send "Authorization: Bearer <token>"' }] });
    }
    return { route, project, via: 'forward', principal: forwarded.principal, target, client: forwarded.client };
  }
  if (route && project && route.definition.requires_authentication === false) return { route, project, via: null, principal: null, target };
  const header = bearerToken(headers);
  const session = cookieToken(headers, SERVICE_COOKIE);
  let principal: Principal;
  let via: ProxyTarget['via'];
  if (header === undefined && u.queryToken === undefined && session === undefined) {
    throw new BerthError('BERTH_E_UNAUTHORIZED', `service "${u.name}" needs a Berth token or a service session`, {
      problems: [{ path: 'Authorization', message: 'missing', fix: 'open the service from the Berth web UI, or send "Authorization: Bearer <token>" (see `berth token create`)' }],
    });
  }
  if (header !== undefined || u.queryToken !== undefined) {
    via = header !== undefined ? 'header' : 'query';
    principal = await principalFor(ctx, ip, header ?? u.queryToken);
  } else {
    via = 'service-session';
    const found = route && session !== undefined ? await ctx.serviceAccess.verifySession(session, target) : null;
    if (!found) {
      throw new BerthError('BERTH_E_UNAUTHORIZED', 'the service session is unknown, expired or ended', {
        problems: [{ path: 'Cookie', message: `${SERVICE_COOKIE} is not valid for this service`, fix: 'open the service again from the Berth web UI (or send "Authorization: Bearer <token>")' }],
      });
    }
    principal = found;
  }
  if (project) assertProjectAccess(principal, project);
  if (!route || !project) throw notFound(u, project, principal);
  return { route, project, via, principal, target };
}

/**
 * A URL for a short host label (`s-<digest>`) with the service it stands for filled in; unchanged for
 * any other URL, and for a label Berth never gave out (its lookup then finds no project: 401 / 404).
 */
export async function resolveHostAlias(ctx: ProxyContext, u: ProxyUrl): Promise<ProxyUrl> {
  if (u.alias === undefined) return u;
  const host = await ctx.serviceAccess.findHostAlias(u.alias);
  return host ? { ...u, project: host.projectUuid, name: host.service, port: host.port } : u;
}

const LOOKUP_CACHE_MS = 1000;
const lookups = new WeakMap<ProxyContext, Map<string, { project: Project | null; route: ServiceRoute | null; until: number; generation: number }>>();

/**
 * Project and route for a URL, remembered for a second per server: the proxy answers many requests
 * per second for few services, and a new or removed service shows up at most this much later
 * (deploy and remove clear the service manager's own cache at once).
 */
export async function lookupService(ctx: ProxyContext, u: ProxyUrl): Promise<{ project: Project | null; route: ServiceRoute | null }> {
  const known = knownService(ctx, u);
  if (known) return known;
  let cache = lookups.get(ctx);
  if (!cache) lookups.set(ctx, (cache = new Map()));
  const key = `${u.project}\0${u.name}\0${u.port}`;
  const now = Date.now();
  const project = await ctx.projects.find(u.project).catch(() => null);
  const route = project ? await ctx.services.route(project, u.name, u.port) : null;
  if (cache.size > 10_000) cache.clear();
  const entry = { project, route, until: now + LOOKUP_CACHE_MS, generation: ctx.services.generation };
  cache.set(key, entry);
  return entry;
}

/** lookupService's answer while it is remembered, else undefined (then ask lookupService). */
export function knownService(ctx: ProxyContext, u: ProxyUrl): { project: Project | null; route: ServiceRoute | null } | undefined {
  const hit = lookups.get(ctx)?.get(`${u.project}\0${u.name}\0${u.port}`);
  return hit && hit.until > Date.now() && ctx.services.generation === hit.generation ? hit : undefined;
}

/** resolveHostAlias's answer without the store, when the label is known or the URL has none; else undefined. */
export function knownHostAlias(ctx: ProxyContext, u: ProxyUrl): ProxyUrl | undefined {
  if (u.alias === undefined) return u;
  const host = ctx.serviceAccess.knownHostAlias(u.alias);
  return host && { ...u, project: host.projectUuid, name: host.service, port: host.port };
}

function notFound(u: ProxyUrl, project: Project | null, principal: Principal | null): BerthError {
  if (!project && u.alias !== undefined) {
    return new BerthError('BERTH_E_SERVICE_NOT_FOUND', `no service has the host name "${u.alias}"`, { problems: [{ path: 'Host', message: 'unknown service host', fix: 'open the service again from the Berth web UI' }] });
  }
  if (!project) {
    return new BerthError('BERTH_E_PROJECT_NOT_FOUND', `no project "${u.project}"`, { problems: [{ path: 'project', message: 'unknown project', fix: principal?.scope === 'admin' ? 'see GET /api/projects' : 'check the URL' }] });
  }
  return new BerthError('BERTH_E_SERVICE_NOT_FOUND', `project "${project.name}" has no service "${u.name}" with port ${u.port}`, {
    problems: [{ path: 'url', message: 'unknown service or undeclared port', fix: `see GET /api/projects/${project.name}/services for services and their ports` }],
  });
}
