import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** The header a Berth server adds to a request it forwards to another Berth server (never the user's credential). */
export const FORWARD_HEADER = 'x-berth-forward';

/** A forward is accepted this long after (or before: clocks differ) it was signed, and once. */
export const FORWARD_WINDOW_MS = 30_000;

/** What a forwarding server vouches for: who asked (as it authenticated them), what, and for which server. */
export interface ForwardClaims {
  /** The lease id of the server it is addressed to: no other server accepts it. */
  to: string;
  /** The lease id of the server that forwarded it (for logs). */
  from: string;
  method: string;
  /** The request target exactly as sent to `to` (path and query). */
  url: string;
  /** The Host header as sent ("" without one): host-routed services are chosen by it. */
  host: string;
  /** When it was signed (ms since the epoch). */
  at: number;
  /** Random, once per forward: a replay within the window is refused. */
  nonce: string;
  /** The token the forwarding server authenticated the caller with (its id only), or null for a public service. */
  tokenId: string | null;
  /** The caller as the forwarding server saw it (the receiving server's X-Forwarded-* say this, not the forwarder). */
  ip: string;
  proto: 'http' | 'https';
}

/**
 * `v1.<claims>.<mac>` (base64url): HMAC-SHA256 over the encoded claims with the servers' shared
 * forward key (derived from the install key every server of a store shares).
 */
export function signForward(key: Buffer, claims: Omit<ForwardClaims, 'nonce' | 'at'> & { at?: number; nonce?: string }): string {
  const full: ForwardClaims = { ...claims, url: requestTarget(claims.url), at: claims.at ?? Date.now(), nonce: claims.nonce ?? randomBytes(16).toString('base64url') };
  const body = Buffer.from(JSON.stringify(full)).toString('base64url');
  return `v1.${body}.${mac(key, body)}`;
}

/**
 * The claims of a forward header when its MAC is right, it is addressed to `expect.to`, it names this
 * very request (method, target, Host) and it is within the window; otherwise why not (for the 401).
 * Replays are the caller's to refuse (it keeps the nonces it saw).
 */
export function readForward(key: Buffer, header: string, expect: { to: string; method: string; url: string; host: string; now: number }): ForwardClaims | { refused: string } {
  const [version, body, sig, ...rest] = header.split('.');
  if (version !== 'v1' || !body || !sig || rest.length > 0) return { refused: 'the forward header is not v1.<claims>.<mac>' };
  const want = Buffer.from(mac(key, body));
  const got = Buffer.from(sig);
  if (got.length !== want.length || !timingSafeEqual(got, want)) return { refused: "the forward header's signature does not match (every server of a store needs the same keys/install.key)" };
  let claims: ForwardClaims;
  try {
    claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as ForwardClaims;
  } catch {
    return { refused: 'the forward header holds no claims' };
  }
  if (claims.to !== expect.to) return { refused: `the forward was addressed to another server (${String(claims.to)})` };
  if (claims.method !== expect.method || claims.url !== requestTarget(expect.url) || claims.host !== expect.host) return { refused: 'the forward was signed for another request (method, target or Host differ)' };
  if (typeof claims.at !== 'number' || Math.abs(expect.now - claims.at) > FORWARD_WINDOW_MS) return { refused: `the forward is older than ${FORWARD_WINDOW_MS / 1000} s (or the servers' clocks differ that much)` };
  if (typeof claims.nonce !== 'string' || claims.nonce.length < 16) return { refused: 'the forward has no nonce' };
  return claims;
}

/** A request target as HTTP clients send it (dot segments resolved, path percent-encoding normalised), so both servers compare the same text. */
function requestTarget(url: string): string {
  try {
    const u = new URL(url, 'http://berth.invalid');
    return `${u.pathname}${u.search}`;
  } catch {
    return url;
  }
}

function mac(key: Buffer, body: string): string {
  return createHmac('sha256', key).update(`berth-forward.${body}`).digest('base64url');
}
