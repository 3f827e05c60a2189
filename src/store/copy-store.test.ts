import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import { TABLES_IN_ORDER } from './copy-store.ts';
import { openStore } from './open-store.ts';

/** Tables `berth db copy` leaves behind on purpose, with the reason. */
const NOT_COPIED: Record<string, string> = {
  web_sessions: 'browser sign-ins: whoever moves the store signs in again on the new one',
};

describe('berth db copy covers the store', () => {
  it('copies every table of a migrated store but those left behind on purpose', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-copy-tables-'));
    try {
      const db = await openStore(join(dir, 'berth.db'));
      const rows = await sql<{ name: string }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like 'kysely_%' and name not like 'berth_migration%'`.execute(db);
      await db.destroy();
      const tables = rows.rows.map((r) => r.name).filter((name) => !(name in NOT_COPIED)).sort();
      assert.deepEqual([...TABLES_IN_ORDER].sort(), tables, 'a new table must be added to TABLES_IN_ORDER (or to NOT_COPIED with its reason)');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
