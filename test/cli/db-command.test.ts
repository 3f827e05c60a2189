import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { MIGRATIONS } from '../../src/store/open-store.ts';
import { collect, parseJson, pipeline, Sandbox, writePipeline } from '../helpers/berth-cli.ts';
import { startServerProcess } from '../helpers/berth-server-process.ts';
import { freshStore, type TestStore } from '../helpers/store-backends.ts';

const ALL = Object.keys(MIGRATIONS).sort();

describe('berth db (PostgreSQL)', () => {
  const box = new Sandbox();
  const stores: TestStore[] = [];
  after(async () => {
    box.cleanup();
    for (const s of stores) await s.drop();
  });
  async function pgStore(): Promise<TestStore> {
    const s = await freshStore('postgres');
    stores.push(s);
    return s;
  }

  it('two `berth db migrate` started together on an empty database migrate once; status then shows it up to date', async () => {
    const store = await pgStore();
    const env = { BERTH_DATABASE_URL: store.env.BERTH_DATABASE_URL! };
    const [a, b] = await Promise.all([collect(box.spawn(['db', 'migrate', '--json'], { env })), collect(box.spawn(['db', 'migrate', '--json'], { env }))]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(b.code, 0, b.stderr);
    const applied = [parseJson(a.stdout).applied_now, parseJson(b.stdout).applied_now].sort((x, y) => y.length - x.length);
    assert.deepEqual(applied, [ALL, []], 'one of them applied every migration, the other found them done');
    const status = await box.run(['db', 'status', '--json'], { env });
    assert.equal(status.code, 0, status.stderr);
    const s = parseJson(status.stdout);
    assert.equal(s.dialect, 'postgres');
    assert.deepEqual(s.applied.sort(), ALL);
    assert.deepEqual(s.pending, []);
    const human = await box.run(['db', 'status'], { env });
    assert.match(human.stdout, /Store: postgres postgres:\/\/postgres@127\.0\.0\.1/);
    assert.match(human.stdout, /Pending: 0/);
  });

  it('a SQLite install with runs, projects and tokens is copied to PostgreSQL and opens there: runs, events and tokens work', async () => {
    box.file('steps/ok.sh', 'echo ok\n');
    writePipeline(box, 'ok.orchest', pipeline('ok', [{ title: 'Ok', file: 'steps/ok.sh' }]));
    const run = await box.run(['run', 'ok.orchest']);
    assert.equal(run.code, 0, run.stderr);
    const token = await box.run(['token', 'create', 'ci', '--project', 'project', '--json']);
    assert.equal(token.code, 0, token.stderr);
    const secret = parseJson(token.stdout).token as string;
    const before = { runs: parseJson((await box.run(['runs', '--json'])).stdout), events: parseJson((await box.run(['events', '--json'])).stdout).events };
    assert.equal(before.runs.runs?.length ?? before.runs.length, 1);
    // Git credentials and known hosts travel too (the keys stay sealed with the same install key).
    const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAcDHxUzl0tKwbQkbhdgpcYkEL48ZW+s9EaBr9NFE+j7';
    assert.equal((await box.run(['git', 'identity', 'set', 'Ada', 'ada@example.com'])).code, 0);
    assert.equal((await box.run(['git', 'known-hosts', 'add', 'git.example.com:2222', KEY])).code, 0);

    const store = await pgStore();
    const url = store.env.BERTH_DATABASE_URL!;
    const copy = await box.run(['db', 'copy', '--from', join(box.home, 'berth.db'), '--to', url, '--json']);
    assert.equal(copy.code, 0, copy.stderr);
    const copied = parseJson(copy.stdout);
    assert.equal(copied.rows.runs, 1);
    assert.equal(copied.rows.projects, 1);
    assert.ok(copied.rows.tokens >= 1 && copied.rows.events >= 3 && copied.rows.step_runs === 1);

    const env = { BERTH_DATABASE_URL: url };
    const after = { runs: parseJson((await box.run(['runs', '--json'], { env })).stdout), events: parseJson((await box.run(['events', '--json'], { env })).stdout).events };
    assert.deepEqual(after.runs, before.runs, 'the same runs, statuses and timestamps');
    assert.deepEqual(after.events, before.events, 'the same events with the same ids');
    assert.equal(copied.rows.git_identities, 1);
    assert.equal(parseJson((await box.run(['git', 'known-hosts', 'list', '--json'], { env })).stdout).known_hosts[0].host, '[git.example.com]:2222');

    // A new run on PostgreSQL continues the event ids after the copied ones.
    const again = await box.run(['run', 'ok.orchest'], { env });
    assert.equal(again.code, 0, again.stderr);
    const newest = parseJson((await box.run(['events', '--json'], { env })).stdout).events;
    assert.ok(Math.max(...newest.map((e: any) => e.id)) > Math.max(...before.events.map((e: any) => e.id)));

    // The project token made on SQLite opens the API of a server on PostgreSQL (same BERTH_HOME).
    const server = await startServerProcess({ BERTH_HOME: box.home, BERTH_DATABASE_URL: url, BERTH_ADMIN_TOKEN: 'db-copy-admin-token-0123456789' });
    try {
      const project = parseJson((await box.run(['project', 'list', '--json'], { env })).stdout).projects[0].uuid;
      const res = await fetch(`${server.url}/api/projects/${project}/runs`, { headers: { authorization: `Bearer ${secret}` } });
      assert.equal(res.status, 200);
      const body = (await res.json()) as any;
      assert.equal((body.runs ?? body).length, 2);
    } finally {
      await server.stop();
    }

    // A second copy into the now non-empty database is refused, naming what is there.
    const twice = await box.run(['db', 'copy', '--from', join(box.home, 'berth.db'), '--to', url]);
    assert.equal(twice.code, 2);
    assert.match(twice.stderr, /not empty.*runs \(2\).*BERTH_E_CONFLICT/s);
  });

  it('bad input is a coded error naming the flag or variable, never a stack trace or a password', async () => {
    const cases: Array<[string[], Record<string, string>, number, RegExp]> = [
      [['db', 'copy', '--from', join(box.home, 'berth.db'), '--to', 'mysql://u:pw@h/db'], {}, 2, /--to.*BERTH_E_INVALID_ARGUMENT/s],
      [['db', 'copy', '--from', '/nonexistent/berth.db', '--to', 'postgres://h/db'], {}, 2, /--from.*BERTH_E_INVALID_ARGUMENT/s],
      [['db', 'copy', '--to', 'postgres://h/db'], {}, 2, /--from is required/],
      [['db', 'copy', '--from', box.file('notes.txt', 'not a database\n'), '--to', 'postgres://h/db'], {}, 2, /not a Berth store.*BERTH_E_INVALID_ARGUMENT/s],
      [['db', 'copy', '--from', box.file('other.db', ''), '--to', 'postgres://h/db'], {}, 2, /not a Berth store/],
      [['db', 'frobnicate'], {}, 2, /unknown subcommand/],
      [['db', 'status'], { BERTH_DATABASE_URL: 'postgres//u:s3cret@x' }, 2, /BERTH_DATABASE_URL.*BERTH_E_CONFIG/s],
      [['db', 'status'], { BERTH_DATABASE_URL: 'postgres://u:s3cret@127.0.0.1:1/none' }, 1, /postgres:\/\/u:\*\*\*@127\.0\.0\.1:1\/none.*BERTH_E_STORE.*BERTH_DATABASE_URL/s],
      [['runs'], { BERTH_DATABASE_URL: 'postgres://u:s3cret@127.0.0.1:1/none' }, 1, /BERTH_E_STORE/],
    ];
    for (const [args, env, code, pattern] of cases) {
      const res = await box.run(args, { env });
      assert.equal(res.code, code, `${args.join(' ')}: ${res.stderr}`);
      assert.match(res.stderr, pattern, args.join(' '));
      assert.doesNotMatch(res.stderr, /s3cret|pw@|\n\s+at /, 'no password, no stack trace');
    }
  });
});
