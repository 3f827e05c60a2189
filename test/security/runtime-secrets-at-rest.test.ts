import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, it } from 'node:test';
import { ADMIN, bashPipeline, TestServer } from '../helpers/berth-server.ts';
import { killLeftovers } from './leftovers.ts';

const CANARY = 'hunter2-canary-value';

function storeBytes(home: string): string {
  return readdirSync(home).filter((n) => n.startsWith('berth.db')).map((n) => readFileSync(join(home, n)).toString('latin1')).join('');
}

/** Issue 19 item 6: secrets at rest, file modes, and the web UI cookie. */
describe('secrets at rest and the web UI session (issue 19 item 6)', () => {
  const t = new TestServer();
  let clock = Date.now();
  const pipe = bashPipeline('p', [['show', 'echo "value=$MY_SECRET"']]);
  before(async () => {
    await t.start({ now: () => clock });
    await t.project('vault', { ...pipe.files, 'p.orchest': JSON.stringify(pipe.pipeline) });
  });
  after(async () => {
    await t.close();
    await killLeftovers(t.root);
    t.cleanup();
  });

  const runShows = async (): Promise<string> => {
    const res = await t.api('POST', '/api/projects/vault/runs', { body: { pipeline: 'p.orchest' } });
    assert.equal(res.status, 201, await res.clone().text());
    const uuid = ((await res.json()) as { run: { uuid: string } }).run.uuid;
    const report = (await t.waitForRun(uuid)) as unknown as { steps: Array<{ uuid: string }> };
    return (await t.api('GET', `/api/runs/${uuid}/steps/${report.steps[0]!.uuid}/logs`)).text();
  };

  it('env-var values are sealed in berth.db, existing plaintext rows are sealed on the next start, and steps still get them', async () => {
    assert.equal((await t.api('PUT', '/api/projects/vault/env-vars/MY_SECRET', { body: { value: CANARY } })).status, 200);
    assert.ok(!storeBytes(t.home).includes(CANARY), 'the value is not in the store in clear');
    assert.match(await runShows(), new RegExp(`value=${CANARY}`));

    // A store from before sealing: a plaintext row.
    await t.close();
    const db = new DatabaseSync(join(t.home, 'berth.db'), { timeout: 5_000 });
    db.prepare("UPDATE env_vars SET value = ?, sealed = 0 WHERE name = 'MY_SECRET'").run(`${CANARY}-old`);
    db.exec('PRAGMA wal_checkpoint(TRUNCATE); VACUUM');
    db.close();
    assert.ok(storeBytes(t.home).includes(`${CANARY}-old`));
    await t.start({ now: () => clock });
    const sealed = new DatabaseSync(join(t.home, 'berth.db'), { timeout: 5_000 });
    const row = sealed.prepare("SELECT value, sealed FROM env_vars WHERE name = 'MY_SECRET'").get() as { value: string; sealed: number };
    sealed.close();
    assert.equal(row.sealed, 1);
    assert.ok(!row.value.includes(CANARY));
    assert.match(await runShows(), new RegExp(`value=${CANARY}-old`));
  });

  it('BERTH_HOME is 0700; berth.db, its WAL, the install key and logs are 0600', async () => {
    const mode = (p: string) => statSync(p).mode & 0o777;
    assert.equal(mode(t.home), 0o700);
    for (const name of readdirSync(t.home).filter((n) => n.startsWith('berth.db'))) assert.equal(mode(join(t.home, name)), 0o600, name);
    assert.equal(mode(join(t.home, 'keys')), 0o700);
    assert.equal(mode(join(t.home, 'keys', 'install.key')), 0o600);
    const runs = join(t.home, 'runs');
    for (const run of readdirSync(runs)) for (const log of readdirSync(join(runs, run, 'logs'))) assert.equal(mode(join(runs, run, 'logs', log)), 0o600, log);
  });

  it('the web UI cookie holds a random session id, never the token; sign-out, revocation and expiry end it', async () => {
    const signIn = async (token: string): Promise<string> => {
      const res = await t.api('POST', '/api/session', { token: null, body: { token } });
      assert.equal(res.status, 200);
      return (res.headers.get('set-cookie') ?? '').split(';')[0]!;
    };
    const jar = await signIn(ADMIN);
    assert.ok(!decodeURIComponent(jar).includes(ADMIN), `the cookie must not hold the token: ${jar}`);
    assert.ok(!storeBytes(t.home).includes(jar.split('=')[1]!), 'only its hash is stored');
    const use = (cookie: string) => t.api('GET', '/api/session', { token: null, headers: { cookie } });
    assert.equal((await use(jar)).status, 200);
    assert.equal((await t.api('DELETE', '/api/session', { token: null, headers: { cookie: jar } })).status, 204);
    assert.equal((await use(jar)).status, 401, 'signed out: the old cookie is dead even if a client keeps it');

    const { token, info } = await t.token('vault', 'browser');
    const projectJar = await signIn(token);
    assert.equal((await use(projectJar)).status, 200);
    assert.equal((await t.api('DELETE', `/api/tokens/${info.id}`)).status, 200);
    assert.equal((await use(projectJar)).status, 401, "revoking the token ends its sessions");

    const later = await signIn(ADMIN);
    clock += 8 * 24 * 3600_000;
    assert.equal((await use(later)).status, 401, 'expired after 7 days');
  });
});
