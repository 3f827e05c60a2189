import type { IncomingHttpHeaders } from 'node:http';
import { BerthError } from '../errors.ts';

const SAFE = ['GET', 'HEAD', 'OPTIONS'];

/**
 * The CSRF wall for browser credentials (the web UI's cookie): a browser tells where a request comes
 * from, and only the UI's own pages may use the cookie. Refuses (403) a `Sec-Fetch-Site` other than
 * `same-origin` (`none`, a typed address or bookmark, only for GET/HEAD) and a mutation whose
 * `Origin` is not this server's host (or is missing, when `requireOrigin`). Bearer-token clients
 * never come here.
 */
export function assertSameOriginBrowserRequest(method: string, headers: IncomingHttpHeaders, opts: { requireOrigin: boolean; credential?: string }): void {
  const credential = opts.credential ?? "the web UI's session cookie";
  const site = headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && !(site === 'none' && (method === 'GET' || method === 'HEAD'))) {
    throw crossSite('Sec-Fetch-Site', `a ${site} ${method} request cannot use ${credential}`, `is "${site}"; only same-origin requests (or GET from the address bar) may use the cookie`);
  }
  if (SAFE.includes(method)) return;
  const origin = headers.origin;
  if (origin === undefined && !opts.requireOrigin) return;
  if (origin === undefined || originHost(origin) !== headers.host) {
    throw crossSite('Origin', `a ${method} with ${credential} must come from ${opts.credential ? 'its own origin' : "this server's own pages"}`, origin === undefined ? 'missing' : `"${origin}" is not this server (${headers.host ?? 'no Host'})`);
  }
}

function originHost(origin: string): string | null {
  try {
    return new URL(origin).host;
  } catch {
    return null;
  }
}

function crossSite(header: string, message: string, problem: string): BerthError {
  return new BerthError('BERTH_E_CROSS_SITE', message, {
    problems: [{ path: header, message: problem, fix: 'use the Berth web UI on its own origin, or send "Authorization: Bearer <token>" instead of the cookie' }],
  });
}
