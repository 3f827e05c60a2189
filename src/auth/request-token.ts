import type { IncomingHttpHeaders } from 'node:http';

export const TOKEN_COOKIE = 'berth_token';
export const TOKEN_QUERY = 'berth_token';
/** The host-only (or service-path) cookie of a browser's service session; never the user's token. */
export const SERVICE_COOKIE = 'berth_service_session';

/** The secret of an `Authorization: Bearer …` header, if that is what the header holds. */
export function bearerToken(headers: IncomingHttpHeaders): string | undefined {
  const value = headers.authorization;
  if (!value) return undefined;
  const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(value);
  return m ? m[1] : undefined;
}

/** Berth's cookie (the web UI's session) from a Cookie header, if present. */
export function cookieToken(headers: IncomingHttpHeaders, name = TOKEN_COOKIE): string | undefined {
  for (const part of (headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      const value = part.slice(eq + 1).trim();
      try {
        return decodeURIComponent(value);
      } catch {
        return value; // Not percent-encoding: the value as sent (it matches no token).
      }
    }
  }
  return undefined;
}

/** The Cookie header without Berth's cookies (undefined when nothing else is left). */
export function cookiesWithoutToken(cookie: string | undefined): string | undefined {
  if (!cookie) return undefined;
  const kept = cookie
    .split(';')
    .map((p) => p.trim())
    .filter((p) => p && ![TOKEN_COOKIE, SERVICE_COOKIE].includes(p.split('=')[0]!.trim()));
  return kept.length ? kept.join('; ') : undefined;
}
