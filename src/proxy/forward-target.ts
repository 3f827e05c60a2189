import type { IncomingHttpHeaders } from 'node:http';
import { BerthError } from '../errors.ts';
import { portHolder } from '../runtimes/process/port-owner.ts';
import type { ServiceRoute } from '../services/service-route.ts';
import { HOP_HEADER, hopsOf, MAX_HOPS } from './proxy-request.ts';

/**
 * Where a request goes, or why it must not be forwarded: it has looped through Berth's proxy too often (508), nothing
 * serves the port now (502: a container that ended or was removed, whose old host port may be anyone's), or on the
 * process runtime the port's listening socket belongs to the service's own processes (502), so a
 * service cannot squat a port another service or Berth itself listens on.
 */
export function forwardTarget(headers: IncomingHttpHeaders, route: ServiceRoute, name: string): BerthError | { host: string; port: number } {
  if (hopsOf(headers) >= MAX_HOPS) {
    return new BerthError('BERTH_E_PROXY_LOOP', `the request went through Berth's proxy ${hopsOf(headers)} times: service "${name}" forwards back to Berth`, {
      problems: [{ path: HOP_HEADER, message: `more than ${MAX_HOPS - 1} proxy hops`, fix: "point the service at its own port, not at Berth's proxy" }],
    });
  }
  if (route.elsewhere !== undefined) {
    // Reached only by a forwarded request (others go to a server on that host): never forwarded twice.
    return new BerthError('BERTH_E_UPSTREAM_UNAVAILABLE', `service "${name}" runs on host "${route.elsewhere}", not on this server's host: a forwarded request is not forwarded again`, {
      problems: [{ path: 'BERTH_HOST_ID', message: 'the servers disagree on where the service runs', fix: 'give every machine its own BERTH_HOST_ID (or none) and each server the BERTH_ADVERTISE_URL of its own machine' }],
    });
  }
  if (!route.upstream) {
    return new BerthError('BERTH_E_UPSTREAM_UNAVAILABLE', `service "${name}" is not running: its container ended or was removed`, {
      problems: [{ path: 'service', message: 'not running', fix: 'see its log (GET …/services/{name}/logs) and deploy it again' }],
    });
  }
  if (!route.owner) return route.upstream;
  const { port } = route.upstream;
  const holder = portHolder(port, route.owner.pgid);
  if (holder === 'own') return route.upstream;
  if (holder === 'none') return new BerthError('BERTH_E_UPSTREAM_UNAVAILABLE', `service "${name}" is not listening on port ${port} (yet)`);
  return new BerthError('BERTH_E_UPSTREAM_NOT_OWNED', `port ${port} is held by a process that is not part of service "${name}": Berth forwards only to the service's own processes`, {
    problems: [{ path: 'ports', message: `another process listens on ${port}`, fix: `make the service listen on port ${port} itself (or redeploy it on a free port)` }],
  });
}
