import type { StoreLocation } from '../config/config.ts';
import { BerthError } from '../errors.ts';

/** A file path (SQLite) or a StoreLocation (SQLite or PostgreSQL). */
export type StoreTarget = string | StoreLocation;

export function locationOf(target: StoreTarget): StoreLocation {
  return typeof target === 'string' ? { dialect: 'sqlite', path: target } : target;
}

/** Where a target points, for messages (never a URL's password). */
export function describeStore(target: StoreTarget): string {
  const loc = locationOf(target);
  if (loc.dialect === 'sqlite') return loc.path;
  try {
    const url = new URL(loc.url);
    url.password = url.password ? '***' : '';
    return url.toString();
  } catch {
    return 'postgres://(invalid URL)';
  }
}

/** The error of a store that could not be opened or brought up to date, naming the setting to check. */
export function storeError(target: StoreTarget, e: unknown): BerthError {
  const loc = locationOf(target);
  const message = e instanceof Error ? e.message : String(e);
  return new BerthError('BERTH_E_STORE', `could not prepare the store at ${describeStore(target)}: ${message}`, {
    cause: e,
    problems: [
      loc.dialect === 'postgres'
        ? { path: 'BERTH_DATABASE_URL', message, fix: 'check that PostgreSQL runs and the URL (user, host, port, database) is right' }
        : { path: 'BERTH_HOME', message, fix: 'check that the folder exists and is writable' },
    ],
  });
}
