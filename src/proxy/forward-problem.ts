import type { IncomingHttpHeaders } from 'node:http';
import { BerthError } from '../errors.ts';
import { portHolder } from '../runtimes/process/port-owner.ts';
import type { ServiceRoute } from '../services/service-route.ts';
import { HOP_HEADER, hopsOf, MAX_HOPS } from './proxy-request.ts';

/**
 * Why a request must not be forwarded, if it must not: it has looped through Berth's proxy too often (508), and on the
 * process runtime the port's listening socket belongs to the service's own processes (502), so a
 * service cannot squat a port another service or Berth itself listens on.
 */
export function forwardProblem(headers: IncomingHttpHeaders, route: ServiceRoute, name: string): BerthError | undefined {
  if (hopsOf(headers) >= MAX_HOPS) {
    return new BerthError('BERTH_E_PROXY_LOOP', `the request went through Berth's proxy ${hopsOf(headers)} times: service "${name}" forwards back to Berth`, {
      problems: [{ path: HOP_HEADER, message: `more than ${MAX_HOPS - 1} proxy hops`, fix: "point the service at its own port, not at Berth's proxy" }],
    });
  }
  if (!route.owner) return undefined;
  const { port } = route.upstream;
  const holder = portHolder(port, route.owner.pgid);
  if (holder === 'own') return undefined;
  if (holder === 'none') return new BerthError('BERTH_E_UPSTREAM_UNAVAILABLE', `service "${name}" is not listening on port ${port} (yet)`);
  return new BerthError('BERTH_E_UPSTREAM_NOT_OWNED', `port ${port} is held by a process that is not part of service "${name}": Berth forwards only to the service's own processes`, {
    problems: [{ path: 'ports', message: `another process listens on ${port}`, fix: `make the service listen on port ${port} itself (or redeploy it on a free port)` }],
  });
}
