import { createHash } from 'node:crypto';

/** A short service host label: `s-` and 26 base32 characters (130 bits of a SHA-256). Never has "--", so never a canonical label. */
export const HOST_ALIAS = /^s-[a-z2-7]{26}$/;
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/**
 * The short host label of a service (pure, stable): a digest of the project's uuid, the service's
 * proxy name and the port, so it survives a project rename. `attempt` > 0 gives the next candidate
 * when a label is already taken by another service (a digest collision: 130 bits, never in practice).
 */
export function serviceHostAlias(projectUuid: string, name: string, port: number, attempt = 0): string {
  const digest = createHash('sha256').update(`${projectUuid}\0${name}\0${port}\0${attempt}`).digest();
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of digest) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < 26) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  return `s-${out}`;
}
