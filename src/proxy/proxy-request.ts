import type { IncomingHttpHeaders } from 'node:http';
import { HOST_ALIAS } from '../core/service-host-alias.ts';
import { cookiesWithoutToken, SERVICE_COOKIE, TOKEN_COOKIE, TOKEN_QUERY } from '../auth/request-token.ts';
import { FORWARD_HEADER } from '../auth/forward-signature.ts';

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
  /**
   * A short host label (`s-<digest>`, see serviceHostAlias) the service is still to be looked up by
   * (resolveHostAlias): until then `project` and `name` are the label and `port` is 0.
   */
  alias?: string;
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
 * `s-<digest>.<domain>` (a service whose canonical label would exceed 63 characters) is returned with
 * `alias` set, to be looked up in the store. Null when the host is not such a name.
 */
export function parseHostUrl(host: string | undefined, rawUrl: string, domain: string): ProxyUrl | null {
  const hostname = (host ?? '').replace(/:\d+$/, '').toLowerCase();
  const suffix = `.${domain.toLowerCase()}`;
  if (!hostname.endsWith(suffix)) return null;
  const label = hostname.slice(0, -suffix.length);
  // A "#" (no browser sends one) ends the target, so such a request still goes to the service, never to the API.
  const target = rawUrl.split('#')[0]!;
  const path = target.startsWith('/') ? target : `/${target}`;
  if (HOST_ALIAS.test(label)) {
    const parsed = parseProxyUrl(`/api/projects/${label}/services/${label}/0${path}`);
    return parsed && { ...parsed, prefix: '', port: 0, alias: label };
  }
  const parts = label.split('--');
  // Only the canonical form serviceOrigin writes: no percent-encoded, numeric-alias or otherwise odd labels.
  if (parts.length < 2 || parts.length > 3 || !hostSafe(parts[0]!) || !hostSafe(parts[1]!) || (parts[2] !== undefined && !/^[1-9]\d{0,4}$/.test(parts[2]))) return null;
  const port = parts[2] === undefined ? 0 : Number(parts[2]);
  if (port > 65535) return null;
  const parsed = parseProxyUrl(`/api/projects/${parts[1]}/services/${parts[0]}/${port}${path}`);
  return parsed && { ...parsed, prefix: '' };
}

/** The longest DNS label (RFC 1035): Chromium does not resolve a host with a longer one. */
export const MAX_HOST_LABEL = 63;

/**
 * The canonical host label of a service (pure): `<name>--<project>--<port>`, the project named by its
 * uuid when its name is not host-safe. Null when the service's name is not host-safe or the label
 * would be longer than a DNS label may be (then the service goes by serviceHostAlias, src/core/service-host-alias.ts).
 */
export function serviceHostLabel(o: { name: string; project: { name: string; uuid: string }; port: number }): string | null {
  if (!hostSafe(o.name)) return null;
  const project = hostSafe(o.project.name) ? o.project.name : o.project.uuid;
  const label = `${o.name}--${project}--${o.port}`;
  return label.length <= MAX_HOST_LABEL ? label : null;
}

/** The path the service receives: the full path (preserve_base_path) or the path below the prefix. */
export function upstreamPath(u: ProxyUrl, preserveBasePath: boolean): string {
  return preserveBasePath ? `${u.prefix}${u.rest || '/'}${u.query}` : `${u.rest || '/'}${u.query}`;
}

/** Counts the times a request went through a Berth proxy, so a service pointed back at Berth never loops. */
export const HOP_HEADER = 'x-berth-hops';
/** More hops than this and the proxy refuses (a chain of services calling each other stays well below). */
export const MAX_HOPS = 4;

export function hopsOf(headers: IncomingHttpHeaders): number {
  const raw = headers[HOP_HEADER];
  const n = Number(Array.isArray(raw) ? raw[0] : raw);
  return Number.isInteger(n) && n > 0 ? n : 0;
}

/** Hop-by-hop headers (RFC 9110 7.6.1) and what undici refuses to send: never forwarded either way by the HTTP proxy. */
export const HOP_BY_HOP: readonly string[] = ['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'expect'];

/** Request headers upstreamHeaders sets or removes itself, whatever the client sent. */
const SET_BY_PROXY = new Set(['authorization', 'cookie', 'forwarded', FORWARD_HEADER, 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-prefix', HOP_HEADER]);

const HOP_BY_HOP_SET = new Set(HOP_BY_HOP);

/**
 * The names a message's Connection header adds to the hop-by-hop headers (lower case; undefined for
 * none, as with a plain "keep-alive"). A client's Connection header can name away only its own
 * headers, never what Berth sets.
 */
function connectionNamed(headers: IncomingHttpHeaders | Record<string, unknown>): string[] | undefined {
  const value = headers.connection;
  if (typeof value !== 'string') return undefined;
  let named: string[] | undefined;
  for (const part of value.split(',')) {
    const name = part.trim().toLowerCase();
    if (!HOP_BY_HOP_SET.has(name)) (named ??= []).push(name);
  }
  return named;
}

/** A predicate for the hop-by-hop headers of a message: the fixed ones and those its Connection header names. */
export function hopByHop(headers: IncomingHttpHeaders | Record<string, unknown>): (name: string) => boolean {
  const named = connectionNamed(headers);
  return named ? (name) => HOP_BY_HOP_SET.has(name) || named.includes(name) : fixedHopByHop;
}

const fixedHopByHop = (name: string): boolean => HOP_BY_HOP_SET.has(name);

/**
 * The request headers the service receives (a new object, one pass): Berth's credentials removed
 * (a Bearer Authorization, Berth's cookies, a forward's signature), X-Forwarded-* set from what this
 * server saw, replacing any the client sent, and the hop count raised. `withoutHopByHop`: hop-by-hop
 * headers removed too (plain HTTP; a websocket handshake keeps Connection and Upgrade).
 */
export function upstreamHeaders(
  headers: IncomingHttpHeaders,
  seen: { ip: string; proto: string; host: string | undefined; prefix: string },
  /** Berth's own credential for the upstream (route.upstreamAuthorization): replaces whatever the caller sent. */
  authorization?: string,
  opts: { withoutHopByHop?: boolean } = {},
): IncomingHttpHeaders {
  const drop = opts.withoutHopByHop ? hopByHop(headers) : undefined;
  const out: IncomingHttpHeaders = {};
  for (const name of Object.keys(headers)) {
    if (!SET_BY_PROXY.has(name) && !drop?.(name)) out[name] = headers[name];
  }
  const given = drop?.('authorization') ? undefined : headers.authorization;
  if (authorization !== undefined) out.authorization = authorization;
  else if (given !== undefined && !/^Bearer\s/i.test(given)) out.authorization = given;
  const cookie = drop?.('cookie') ? undefined : cookiesWithoutToken(headers.cookie);
  if (cookie !== undefined) out.cookie = cookie;
  out['x-forwarded-for'] = seen.ip;
  out['x-forwarded-proto'] = seen.proto;
  if (seen.host !== undefined) out['x-forwarded-host'] = seen.host;
  out['x-forwarded-prefix'] = seen.prefix;
  out[HOP_HEADER] = String(hopsOf(headers) + 1);
  return out;
}

/** A redirect from a service that strips the prefix, pointed back under the prefix (pure). */
export function rewriteLocation(location: string, prefix: string, upstream: { host: string; port: number }): string {
  if (location.startsWith('/') && !location.startsWith('//')) return `${prefix}${location}`;
  try {
    const u = new URL(location);
    // localPath: "http://upstream//evil.example/" must not become the protocol-relative "//evil.example/".
    if (u.hostname === upstream.host && Number(u.port || (u.protocol === 'https:' ? 443 : 80)) === upstream.port) return localPath(`${prefix}${u.pathname}${u.search}${u.hash}`);
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

const HOST_LABEL = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

/** A name usable as one part of a service host (lowercase letters, digits, single "-"). */
export function hostSafe(name: string): boolean {
  return HOST_LABEL.test(name) && !name.includes('--');
}

/**
 * The origin of a service on its own host (pure): `<proto>://<label>.<domain>`, with the port the
 * browser used for this server (from its Host header). `label`: serviceHostLabel or serviceHostAlias.
 */
export function serviceOrigin(o: { label: string; domain: string; proto: string; requestHost: string | undefined }): string {
  const listen = /:(\d+)$/.exec(o.requestHost ?? '')?.[1];
  return `${o.proto}://${o.label}.${o.domain}${listen ? `:${listen}` : ''}`;
}

/** Whether the browser is loading a document (top-level or framed) rather than fetching for a page. */
export function isDocumentNavigation(headers: IncomingHttpHeaders): boolean {
  const mode = headers['sec-fetch-mode'];
  const dest = headers['sec-fetch-dest'];
  return mode === 'navigate' || mode === 'nested-navigate' || ['document', 'iframe', 'frame', 'embed', 'object'].includes(String(dest));
}

/**
 * Sent with every path-routed response: a document from a service never runs in the UI's origin even
 * if a browser renders it there (an opaque origin: no cookies, no same-origin API calls).
 */
export const PATH_ROUTE_CSP = 'sandbox allow-scripts allow-forms allow-popups allow-popups-to-escape-sandbox allow-modals allow-downloads';

/**
 * A path of the request as a redirect target on the same origin (pure): leading slashes and
 * backslashes collapse to one "/", so "//host/x" or "/\\host/x" never becomes another host.
 */
export function localPath(path: string): string {
  return path.replace(/^[/\\]+/, '/');
}

/**
 * The Set-Cookie headers of a path-routed response (pure): Berth's own cookies are dropped (a service
 * must not set the UI's session on the UI's origin), Domain is removed (host-only), and a cookie is
 * kept under the service's prefix (its path, when the service already scopes it there).
 */
export function scopeSetCookies(values: string | string[] | undefined, prefix: string): string[] {
  const out: string[] = [];
  for (const value of [values ?? []].flat()) {
    const [pair, ...attrs] = value.split(';').map((a) => a.trim());
    const name = pair!.split('=')[0]!.trim();
    if ([TOKEN_COOKIE, SERVICE_COOKIE].includes(name)) continue;
    const path = attrs.find((a) => /^path=/i.test(a))?.slice(5);
    const scoped = path !== undefined && (path === prefix || path.startsWith(`${prefix}/`)) ? path : `${prefix}/`;
    out.push([pair, ...attrs.filter((a) => !/^(path|domain)=/i.test(a)), `Path=${scoped}`].join('; '));
  }
  return out;
}

/**
 * A service's response headers as the browser gets them (pure). Never a Set-Cookie for Berth's own
 * cookies (on any origin: a service could otherwise plant a session on a parent domain). Path-routed
 * (`prefix` not ""), the answer is on the UI's origin: cookies are scoped under the prefix and
 * origin-wide headers (Clear-Site-Data) are dropped.
 */
export function serviceResponseHeaders<H extends Record<string, unknown>>(headers: H, prefix: string, opts: { withoutHopByHop?: boolean } = {}): H {
  const drop = opts.withoutHopByHop ? hopByHop(headers) : undefined;
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(headers)) {
    if (name === 'set-cookie' || drop?.(name) || (prefix !== '' && name === 'clear-site-data')) continue;
    out[name] = headers[name];
  }
  const cookies = drop?.('set-cookie') ? undefined : (headers['set-cookie'] as string | string[] | undefined);
  if (cookies === undefined) return out as H;
  if (prefix !== '') out['set-cookie'] = scopeSetCookies(cookies, prefix);
  else out['set-cookie'] = [cookies].flat().filter((c) => ![TOKEN_COOKIE, SERVICE_COOKIE].includes(c.split(';')[0]!.split('=')[0]!.trim()));
  return out as H;
}

/** The path a browser may be sent to after a hand-off: a local absolute path, never another host. */
export function safeNextPath(next: string | undefined): string | null {
  const path = next ?? '/';
  return path.startsWith('/') && !path.startsWith('//') && !path.startsWith('/\\') && !/[\u0000-\u001f\s]/.test(path) ? path : null;
}
