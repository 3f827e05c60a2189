import { readFileSync } from 'node:fs';

/** Linux's random UUID: a fresh version 4 UUID from the kernel's random pool on every read. */
const KERNEL_UUID = '/proc/sys/kernel/random/uuid';
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/**
 * A random UUID for a new instance: the kernel's (one read), else node:crypto's. Loading node:crypto
 * is about 12 ms of `berth instance start` on a 2-core VM; the kernel's comes from the same kind of
 * generator (its CSPRNG).
 */
export function newInstanceId(): string {
  try {
    const id = readFileSync(KERNEL_UUID, 'latin1').trim();
    if (UUID_V4.test(id)) return id;
  } catch {
    // Not Linux, or /proc not mounted.
  }
  return process.getBuiltinModule('node:crypto').randomUUID();
}
