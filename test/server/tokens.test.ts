import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ADMIN, TestServer } from '../helpers/berth-server.ts';

type Json = Record<string, any>;

describe('tokens', () => {
  const servers: TestServer[] = [];
  after(async () => {
    for (const s of servers) {
      await s.close();
      s.cleanup();
    }
  });

  it('without BERTH_ADMIN_TOKEN an admin token is generated once, works, and only its hash is stored', async () => {
    const t = new TestServer();
    servers.push(t);
    const printed: string[] = [];
    await t.start({ env: { BERTH_ADMIN_TOKEN: undefined }, onAdminToken: (s) => printed.push(s) });
    assert.equal(printed.length, 1);
    const secret = printed[0]!;
    assert.match(secret, /^berth_[A-Za-z0-9_-]{43}$/);
    assert.equal((await t.api('GET', '/api/projects', { token: secret })).status, 200);
    assert.equal((await t.api('GET', '/api/projects', { token: ADMIN })).status, 401);
    await t.close();
    await t.start({ env: { BERTH_ADMIN_TOKEN: undefined }, onAdminToken: (s) => printed.push(s) });
    assert.equal(printed.length, 1, 'a second start prints nothing');
    assert.equal((await t.api('GET', '/api/projects', { token: secret })).status, 200);
    for (const file of ['berth.db', 'berth.db-wal']) {
      const bytes = existsSync(join(t.home, file)) ? readFileSync(join(t.home, file)) : Buffer.alloc(0);
      assert.equal(bytes.includes(Buffer.from(secret)), false, `the secret is not in ${file}`);
    }
    const sqlite = new DatabaseSync(join(t.home, 'berth.db'), { timeout: 5_000 });
    const rows = sqlite.prepare('SELECT hash FROM tokens').all() as Array<{ hash: string }>;
    sqlite.close();
    assert.ok(rows.every((r) => /^[0-9a-f]{64}$/.test(r.hash)));
  });

  it('project tokens: created (secret shown once), listed without secrets, limited to their project, revoked', async () => {
    const t = new TestServer();
    servers.push(t);
    await t.start();
    await t.project('one');
    await t.project('two');
    const created = await t.token('one', 'ci');
    const list = (await (await t.api('GET', '/api/tokens')).json()) as Json;
    const listed = list.tokens.find((x: Json) => x.id === created.info.id);
    assert.deepEqual([listed.name, listed.scope, Object.keys(listed).includes('hash')], ['ci', 'project', false]);
    assert.doesNotMatch(JSON.stringify(list), new RegExp(created.token));
    assert.equal((await t.api('GET', '/api/projects/one', { token: created.token })).status, 200);
    assert.equal((await t.api('GET', '/api/projects/two', { token: created.token })).status, 403);
    assert.equal((await t.api('GET', '/api/tokens', { token: created.token })).status, 403);
    const revoked = (await (await t.api('DELETE', `/api/tokens/${created.info.id}`)).json()) as Json;
    assert.ok(revoked.revoked_at);
    assert.equal((await t.api('GET', '/api/projects/one', { token: created.token })).status, 401);
    assert.equal((await t.api('DELETE', '/api/tokens/00000000-0000-4000-8000-000000000000')).status, 404);
    assert.equal((await t.api('POST', '/api/tokens', { body: { name: 'x', project: 'nope' } })).status, 404);
  });

  it('failed attempts are rate-limited per address (429 with Retry-After); a valid token still passes', async () => {
    const t = new TestServer();
    servers.push(t);
    await t.start({ authFailures: { max: 5, windowMs: 60_000 } });
    for (let i = 0; i < 5; i++) assert.equal((await t.api('GET', '/api/projects', { token: `wrong-${i}` })).status, 401);
    const limited = await t.api('GET', '/api/projects', { token: 'wrong-again' });
    assert.equal(limited.status, 429);
    assert.ok(Number(limited.headers.get('retry-after')) > 0);
    assert.equal((await t.api('GET', '/api/projects')).status, 200, 'a valid token from the same address is never locked out');
    assert.equal((await t.api('GET', '/api/projects', { token: 'wrong-after' })).status, 429);
    assert.equal((await t.api('GET', '/api/health', { token: null })).status, 200);
  });

  it('no token reaches the log, whether sent as a header, a cookie or a URL parameter', async () => {
    const t = new TestServer();
    servers.push(t);
    await t.start();
    await t.project('logged');
    const { token } = await t.token('logged');
    await t.api('GET', '/api/projects/logged', { token });
    await t.api('GET', `/api/projects/logged/services/x/8080/?berth_token=${token}`, { token: null });
    await t.api('GET', '/api/projects/logged/services/x/8080/', { token: null, headers: { cookie: `berth_token=${token}` } });
    await t.api('GET', '/api/projects', { token: 'wrong-token-secret-value' });
    const all = t.logs.join('\n');
    assert.ok(t.logs.length >= 8);
    for (const secret of [token, ADMIN, 'wrong-token-secret-value']) assert.equal(all.includes(secret), false, 'a secret is in the log');
    assert.match(all, /berth_token=\[redacted\]/);
  });
});
