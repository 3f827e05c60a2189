import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { removeHome } from './remove-home.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { StoreLocation } from '../../src/config/config.ts';

/**
 * The store's real backends for tests (Kysely's way: the same tests over every backend): a temp
 * SQLite file, and a fresh PostgreSQL database on BERTH_TEST_POSTGRES_URL (default the project's
 * server, postgres://postgres@127.0.0.1:5432/test), created per call and dropped by `drop`.
 */
export const TEST_POSTGRES_URL = process.env.BERTH_TEST_POSTGRES_URL || 'postgres://postgres@127.0.0.1:5432/test';

export const BACKENDS = ['sqlite', 'postgres'] as const;
export type Backend = (typeof BACKENDS)[number];

export interface TestStore {
  backend: Backend;
  location: StoreLocation;
  /** For BERTH_DATABASE_URL / BERTH_HOME of child processes. */
  env: Record<string, string>;
  drop: () => Promise<void>;
}

/** A new, empty store on `backend`. */
export async function freshStore(backend: Backend): Promise<TestStore> {
  if (backend === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'berth-store-'));
    const path = join(dir, 'berth.db');
    return { backend, location: { dialect: 'sqlite', path }, env: { BERTH_HOME: dir }, drop: async () => removeHome(dir) };
  }
  const name = `berth_test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  await admin(`create database ${name}`);
  const url = new URL(TEST_POSTGRES_URL);
  url.pathname = `/${name}`;
  const home = mkdtempSync(join(tmpdir(), 'berth-pghome-'));
  return {
    backend,
    location: { dialect: 'postgres', url: url.toString() },
    env: { BERTH_HOME: home, BERTH_DATABASE_URL: url.toString() },
    drop: async () => {
      removeHome(home);
      await admin(`drop database if exists ${name} with (force)`);
    },
  };
}

async function admin(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}
