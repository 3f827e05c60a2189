import { hostname } from 'node:os';
import { BerthError } from '../errors.ts';

type Env = Record<string, string | undefined>;

/**
 * BERTH_HOST_ID: the name of this machine in "same host" decisions (is a pid, a service's port, a
 * container here, or on another server's machine?). Default the OS host name. Set it only where
 * several servers share one host name but must count as different machines (containers with a
 * fixed host name, tests that run two "hosts" on one machine): two servers with the same id must be
 * on the same machine.
 */
export function hostIdOf(env: Env): string {
  const raw = env.BERTH_HOST_ID;
  if (raw === undefined || raw === '') return hostname();
  if (/^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/.test(raw)) return raw;
  throw new BerthError('BERTH_E_CONFIG', `BERTH_HOST_ID=${raw} cannot name a host`, {
    problems: [{ path: 'BERTH_HOST_ID', message: 'letters, digits, ".", "_" and "-" only (no ":"), at most 253 characters', fix: 'e.g. BERTH_HOST_ID=node-a, or unset it to use the host name' }],
  });
}

/**
 * BERTH_ADVERTISE_URL: where the other Berth servers on the store reach this one (it forwards
 * requests for the services it supervises). Unset: derived from the listen address (defaultAdvertiseUrl).
 */
export function advertiseUrlOf(env: Env): string | undefined {
  const raw = env.BERTH_ADVERTISE_URL;
  if (raw === undefined || raw === '') return undefined;
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.username || url.password || url.search || url.hash || url.pathname !== '/') {
    throw new BerthError('BERTH_E_CONFIG', `BERTH_ADVERTISE_URL=${raw} is not an http(s) origin of this server`, {
      problems: [{ path: 'BERTH_ADVERTISE_URL', message: 'must be http(s)://host:port (no user, path, query or fragment)', fix: 'e.g. BERTH_ADVERTISE_URL=http://berth-1.internal:7420, or unset it to derive it from --host/--port' }],
    });
  }
  return url.origin;
}

/**
 * This server's address for other servers when none is configured: the listen address, with a
 * wildcard (0.0.0.0, ::) replaced by the machine's host name. A loopback listen address is only
 * reachable from this machine (enough for several servers on one machine).
 */
export function defaultAdvertiseUrl(listenUrl: string): string {
  const url = new URL(listenUrl);
  if (url.hostname === '0.0.0.0' || url.hostname === '[::]') url.hostname = hostname();
  return url.origin;
}
