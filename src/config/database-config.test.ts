import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isBerthError } from '../errors.ts';
import { loadConfig } from './config.ts';

describe('BERTH_DATABASE_URL and BERTH_LEASE_SECONDS', () => {
  test('unset: SQLite under BERTH_HOME; a postgres URL selects PostgreSQL', () => {
    assert.deepEqual(loadConfig({ BERTH_HOME: '/h' }).database, { dialect: 'sqlite', path: '/h/berth.db' });
    for (const url of ['postgres://u:p@db:5432/berth', 'postgresql://db/berth']) assert.deepEqual(loadConfig({ BERTH_HOME: '/h', BERTH_DATABASE_URL: url }).database, { dialect: 'postgres', url });
    assert.equal(loadConfig({}).leaseMs, 15_000, 'default lease ≤ 30 s');
    assert.equal(loadConfig({ BERTH_LEASE_SECONDS: '2.5' }).leaseMs, 2500);
  });

  test('a URL that is not PostgreSQL, or a lease out of range, is BERTH_E_CONFIG naming the variable (never echoing a password)', () => {
    for (const bad of ['mysql://u:s3cret@db/x', 'postgres://u:s3cret@/x', 'postgres://db', 'not a url s3cret']) {
      assert.throws(
        () => loadConfig({ BERTH_DATABASE_URL: bad }),
        (e: unknown) => isBerthError(e) && e.code === 'BERTH_E_CONFIG' && e.problems[0]?.path === 'BERTH_DATABASE_URL' && !e.message.includes('s3cret') && !JSON.stringify(e.problems).includes('s3cret'),
        bad,
      );
    }
    for (const bad of ['0', '301', 'abc', '-1']) {
      assert.throws(() => loadConfig({ BERTH_LEASE_SECONDS: bad }), (e: unknown) => isBerthError(e) && e.code === 'BERTH_E_CONFIG' && e.problems[0]?.path === 'BERTH_LEASE_SECONDS', bad);
    }
  });
});
