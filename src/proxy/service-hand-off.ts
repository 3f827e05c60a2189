import type { FastifyReply } from 'fastify';
import type { Principal } from '../auth/token-registry.ts';
import { BerthError } from '../errors.ts';
import { SERVICE_COOKIE } from '../auth/request-token.ts';
import type { ProxyContext } from './proxy-context.ts';
import type { ServiceRoute } from '../services/service-manager.ts';
import type { Project } from '../store/project-repository.ts';
import { serviceHostLabel, serviceOrigin } from './proxy-request.ts';

/** The path on a service's own host that redeems a ticket (never forwarded to the service). */
export const OPEN_PATH = '/.berth/open';

export interface HandOff {
  project: Project;
  route: ServiceRoute;
  /** The proxy name of the service and its declared port. */
  name: string;
  port: number;
  /** Where to land on the service's origin (a local path). */
  next: string;
  /** Null for a public service (no ticket needed). */
  principal: Principal | null;
  /** The services domain, and how this request reached the server (scheme, Host header). */
  domain: string | undefined;
  proto: string;
  requestHost: string | undefined;
}

/**
 * Where to send a browser so it opens a service on the service's own origin: `/.berth/open?ticket=…`
 * there (a one-time ticket minted for `principal`), or straight to `next` for a public service.
 */
export async function handOffLocation(ctx: ProxyContext, h: HandOff): Promise<string> {
  if (!h.domain) {
    throw new BerthError('BERTH_E_NO_SERVICES_DOMAIN', 'this server gives services no origin of their own, so a browser cannot open them safely', {
      problems: [{ path: 'services-domain', message: 'not set (the server does not listen on loopback)', fix: 'start `berth server --services-domain D` with wildcard DNS *.D to this server, or use the path URL with "Authorization: Bearer <token>"' }],
    });
  }
  // A name that is not host-safe, or a label longer than DNS allows (a session service's name holds a uuid): the short label.
  const label = serviceHostLabel({ name: h.name, project: h.project, port: h.port }) ?? (await ctx.serviceAccess.hostAlias({ projectUuid: h.project.uuid, service: h.name, port: h.port }));
  const origin = serviceOrigin({ label, domain: h.domain, proto: h.proto, requestHost: h.requestHost });
  if (!h.principal) return `${origin}${h.next}`;
  const ticket = await ctx.serviceAccess.mintTicket(h.principal, { projectUuid: h.project.uuid, service: h.name, instance: h.route.instance }, h.next);
  return `${origin}${OPEN_PATH}?ticket=${encodeURIComponent(ticket)}`;
}

/** A redirect that leaks nothing: no referrer (the URL may hold a ticket), never cached. */
export function sendRedirect(reply: FastifyReply, location: string, status: 302 | 303 = 303): FastifyReply {
  return reply.header('referrer-policy', 'no-referrer').header('cache-control', 'no-store').redirect(location, status);
}

/** Sets the service session cookie: HttpOnly, host-only (no Domain), for `path` (the service's prefix, or "/" on its own host). */
export function setServiceCookie(reply: FastifyReply, secret: string, path: string, maxAgeSeconds: number): void {
  const attrs = [`${SERVICE_COOKIE}=${encodeURIComponent(secret)}`, `Path=${path}`, 'HttpOnly', 'SameSite=Lax', `Max-Age=${maxAgeSeconds}`, ...(reply.request.protocol === 'https' ? ['Secure'] : [])];
  void reply.header('set-cookie', attrs.join('; '));
}
