import type { IncomingHttpHeaders } from 'node:http';
import { assertSameOriginBrowserRequest } from '../auth/cross-site-guard.ts';
import { bearerToken, cookieToken, SERVICE_COOKIE } from '../auth/request-token.ts';
import type { Principal } from '../auth/token-registry.ts';
import type { ServiceRoute } from '../services/service-route.ts';
import { BerthError } from '../errors.ts';
import { forwardTarget } from './forward-target.ts';
import { FORWARD_HEADER } from '../auth/forward-signature.ts';
import { forwardedPrincipal } from '../auth/forwarded-principal.ts';
import type { ProxyContext } from './proxy-context.ts';
import type { ProxyUrl } from './proxy-request.ts';
import { knownService, lookupService } from './proxy-target.ts';
import type { Project } from '../store/project-repository.ts';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The service route a request may be forwarded to straight away, or null when anything is not plainly
 * fine (no or a bad credential, another project's token, unknown service, a cookie from another
 * origin, a port not held by the service, a loop): the caller then hands the request to the Fastify
 * route, which decides again and answers the refusal with its code (and counts a failed token).
 * Never throws, never counts anything, never writes: the same checks as resolveProxyTarget + the
 * route's handler, with the same caches (a token revoked through this server is refused at once).
 * A service on another host: `target` is null and `elsewhere` names the host (peer-forward.ts). A
 * forward from another server is decided once for the request (forwardedPrincipal), so the route
 * taking over gives the same answer; `client` is then the caller the other server saw.
 */
export async function authorizedTarget(ctx: ProxyContext, u: ProxyUrl, method: string, url: string, headers: IncomingHttpHeaders): Promise<AuthorizedTarget | null> {
  const known = knownAuthorizedTarget(ctx, u, method, headers);
  if (known !== undefined) return known;
  const { project, route } = await lookupService(ctx, u);
  if (!project || !route) return null;
  if (headers[FORWARD_HEADER] !== undefined) {
    const forwarded = await forwardedPrincipal(ctx, { method, url, headers }).catch(() => undefined);
    const principal = forwarded?.principal ?? null;
    if (!forwarded || route.elsewhere !== undefined) return null;
    if (principal ? principal.scope !== 'admin' && principal.projectUuid !== project.uuid : route.definition.requires_authentication !== false) return null;
    const target = forwardTarget(headers, route, u.name);
    return target instanceof BerthError ? null : { route, target, principal, client: forwarded.client };
  }
  const credential = credentialOf(route, headers);
  let principal: Principal | null = null;
  if (credential.via === 'header') principal = await ctx.tokens.verify(credential.secret);
  else if (credential.via === 'session') principal = await ctx.serviceAccess.verifySession(credential.secret, { projectUuid: project.uuid, service: u.name, instance: route.instance });
  return decide(project, route, u, method, headers, credential, principal);
}

/**
 * authorizedTarget's answer from what this server remembers (the service's route, a token or
 * session checked within the last second and not revoked here since), without a promise; undefined
 * when the store must be asked (or for a forward from another server).
 */
export function knownAuthorizedTarget(ctx: ProxyContext, u: ProxyUrl, method: string, headers: IncomingHttpHeaders): AuthorizedTarget | null | undefined {
  if (headers[FORWARD_HEADER] !== undefined) return undefined;
  const found = knownService(ctx, u);
  if (!found) return undefined;
  const { project, route } = found;
  if (!project || !route) return null;
  const credential = credentialOf(route, headers);
  let principal: Principal | null | undefined = null;
  if (credential.via === 'header') principal = ctx.tokens.known(credential.secret);
  else if (credential.via === 'session') principal = ctx.serviceAccess.knownSession(credential.secret, { projectUuid: project.uuid, service: u.name, instance: route.instance });
  return principal === undefined ? undefined : decide(project, route, u, method, headers, credential, principal);
}

/** The credential a request for `route` is judged by: none needed (public), a Bearer token, this service's session cookie, or none given. */
type Credential = { via: 'public' | 'missing' } | { via: 'header' | 'session'; secret: string };

function credentialOf(route: ServiceRoute, headers: IncomingHttpHeaders): Credential {
  if (route.definition.requires_authentication === false) return { via: 'public' };
  const header = bearerToken(headers);
  if (header !== undefined) return { via: 'header', secret: header };
  // No Authorization header: only this service's own session cookie (never the web UI's cookie).
  const session = cookieToken(headers, SERVICE_COOKIE);
  return session === undefined ? { via: 'missing' } : { via: 'session', secret: session };
}

/** The decision once the credential's principal is known (null: unknown, revoked or expired). */
function decide(project: Project, route: ServiceRoute, u: ProxyUrl, method: string, headers: IncomingHttpHeaders, credential: Credential, principal: Principal | null): AuthorizedTarget | null {
  if (credential.via === 'missing') return null;
  if (credential.via !== 'public') {
    if (!principal || (principal.scope !== 'admin' && principal.projectUuid !== project.uuid)) return null;
    if (credential.via === 'session' && !SAFE_METHODS.has(method) && !sameOriginMutation(method, headers)) return null;
  }
  if (route.elsewhere !== undefined) return { route, target: null, principal, elsewhere: route.elsewhere };
  const target = forwardTarget(headers, route, u.name);
  if (target instanceof BerthError) return null;
  return { route, target, principal };
}

export type AuthorizedTarget =
  | { route: ServiceRoute; target: { host: string; port: number }; principal: Principal | null; client?: { ip: string; proto: 'http' | 'https' }; elsewhere?: undefined }
  | { route: ServiceRoute; target: null; principal: Principal | null; client?: undefined; elsewhere: string };

function sameOriginMutation(method: string, headers: IncomingHttpHeaders): boolean {
  try {
    assertSameOriginBrowserRequest(method, headers, { requireOrigin: false, credential: "this service's session cookie" });
    return true;
  } catch {
    return false;
  }
}
