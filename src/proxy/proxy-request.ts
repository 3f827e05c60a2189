import type { IncomingHttpHeaders } from 'node:http';
import { cookiesWithoutToken, TOKEN_QUERY } from '../server/request-token.ts';

/** A proxied URL taken apart, from the raw (still percent-encoded) request URL. */
export interface ProxyUrl {
  project: string;
  name: string;
  port: number;
  /** `/api/projects/<p>/services/<s>/<port>` exactly as the client wrote it, without the trailing slash. */
  prefix: string;
  /** The rest of the path after the prefix, with its leading slash ("" when the URL stops at the port). */
  rest: string;
  /** The query string without Berth's token parameter ("" or "?…"). */
  query: string;
  /** The token parameter, when given. */
  queryToken: string | undefined;
}

const PROXY_PATH = /^(\/api\/projects\/([^/?#]+)\/services\/([^/?#]+)\/(\d{1,5}))(\/[^?#]*)?$/;

/** Parses a proxy URL (pure); null when the URL is not one. */
export function parseProxyUrl(rawUrl: string): ProxyUrl | null {
  const q = rawUrl.indexOf('?');
  const path = q < 0 ? rawUrl : rawUrl.slice(0, q);
  const m = PROXY_PATH.exec(path);
  if (!m) return null;
  let queryToken: string | undefined;
  const kept: string[] = [];
  for (const part of q < 0 ? [] : rawUrl.slice(q + 1).split('&')) {
    const key = safeDecode(part.split('=')[0]!.replace(/\+/g, ' '));
    if (key === TOKEN_QUERY) queryToken = safeDecode((part.split('=')[1] ?? '').replace(/\+/g, ' '));
    else if (part !== '') kept.push(part);
  }
  return {
    project: safeDecode(m[2]!),
    name: safeDecode(m[3]!),
    port: Number(m[4]),
    prefix: m[1]!,
    rest: m[5] ?? '',
    query: kept.length ? `?${kept.join('&')}` : '',
    queryToken,
  };
}

/**
 * Host-based routing (pure): `<name>--<project>[--<port>].<domain>` names a service on its own
 * browser origin; the whole path goes to the service (prefix ""), port 0 = its first declared port.
 * Null when the host is not such a name.
 */
export function parseHostUrl(host: string | undefined, rawUrl: string, domain: string): ProxyUrl | null {
  const hostname = (host ?? '').replace(/:\d+$/, '').toLowerCase();
  const suffix = `.${domain.toLowerCase()}`;
  if (!hostname.endsWith(suffix)) return null;
  const parts = hostname.slice(0, -suffix.length).split('--');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => p === '' || p.includes('.'))) return null;
  const port = parts[2] === undefined ? 0 : Number(parts[2]);
  if (!Number.isInteger(port) || port < 0 || port > 65535) return null;
  const path = rawUrl.startsWith('/') ? rawUrl : `/${rawUrl}`;
  const parsed = parseProxyUrl(`/api/projects/${parts[1]}/services/${parts[0]}/${port}${path}`);
  return parsed && { ...parsed, prefix: '' };
}

/** The path the service receives: the full path (preserve_base_path) or the path below the prefix. */
export function upstreamPath(u: ProxyUrl, preserveBasePath: boolean): string {
  return preserveBasePath ? `${u.prefix}${u.rest || '/'}${u.query}` : `${u.rest || '/'}${u.query}`;
}

/**
 * The request headers the service receives: Berth's credentials removed (a Bearer Authorization,
 * Berth's cookie) and X-Forwarded-* set from what this server saw, replacing any the client sent.
 */
export function upstreamHeaders(
  headers: IncomingHttpHeaders,
  seen: { ip: string; proto: string; host: string | undefined; prefix: string },
): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = { ...headers };
  if (/^Bearer\s/i.test(out.authorization ?? '')) delete out.authorization;
  const cookie = cookiesWithoutToken(out.cookie);
  if (cookie === undefined) delete out.cookie;
  else out.cookie = cookie;
  delete out.forwarded;
  out['x-forwarded-for'] = seen.ip;
  out['x-forwarded-proto'] = seen.proto;
  if (seen.host !== undefined) out['x-forwarded-host'] = seen.host;
  else delete out['x-forwarded-host'];
  out['x-forwarded-prefix'] = seen.prefix;
  return out;
}

/** A redirect from a service that strips the prefix, pointed back under the prefix (pure). */
export function rewriteLocation(location: string, prefix: string, upstream: { host: string; port: number }): string {
  if (location.startsWith('/') && !location.startsWith('//')) return `${prefix}${location}`;
  try {
    const u = new URL(location);
    if (u.hostname === upstream.host && Number(u.port || (u.protocol === 'https:' ? 443 : 80)) === upstream.port) return `${prefix}${u.pathname}${u.search}${u.hash}`;
  } catch {
    // Relative without a leading slash: already relative to the current (proxied) URL.
  }
  return location;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
