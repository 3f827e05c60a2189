import { hash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A new random token: 256 bits, URL-safe, recognisable by its prefix. */
export function newTokenSecret(): string {
  return `berth_${randomBytes(32).toString('base64url')}`;
}

/** What is stored instead of the secret. Tokens are high-entropy, so a fast hash is enough (one-shot: the proxy hashes per request). */
export function hashToken(secret: string): string {
  return hash('sha256', secret, 'hex');
}

/** Compares two hex hashes in constant time. */
export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}
