import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { collect, pipeline, Sandbox, writePipeline } from '../helpers/berth-cli.ts';
import { cliModes } from '../helpers/cli-modes.ts';
import { ADMIN, TestServer } from '../helpers/berth-server.ts';

/**
 * The same commands, once in-process and once against a Berth server (BERTH_ENDPOINT), print the
 * same thing and exit with the same code (ids, times, durations and the state folder normalised).
 */
describe('the CLI gives the same output in-process and through a server', () => {
  const box = new Sandbox();
  const server = new TestServer();
  let remote: Record<string, string>;
  before(async () => {
    await server.start();
    remote = { BERTH_ENDPOINT: server.url, BERTH_TOKEN: ADMIN };
    box.file('steps/a.sh', 'echo "alpha out"\n');
    box.file('steps/b.sh', 'echo "beta out" >&2\n');
    box.file('steps/fail.sh', 'echo failing; exit 4\n');
    writePipeline(box, 'ok.orchest', pipeline('ok', [{ title: 'A', file: 'steps/a.sh' }, { title: 'B', file: 'steps/b.sh', parents: ['A'] }]));
    writePipeline(box, 'bad-run.orchest', { ...pipeline('bad-run', [{ title: 'F', file: 'steps/fail.sh' }]), uuid: '99999999-2222-4333-8444-555555555555' });
    writePipeline(box, 'invalid.orchest', pipeline('invalid', [{ title: 'X', file: '/etc/passwd', parents: ['nope'] }]));
  });
  after(async () => {
    await server.close();
    server.cleanup();
    box.cleanup();
  });

  const { both, same } = cliModes(box, server, () => remote);
  const runIds = { local: '', remote: '' };
  const failIds = { local: '', remote: '' };

  it('run (success, failure, --json) and validate (valid, invalid)', async () => {
    const ok = await both(() => ['run', 'ok.orchest']);
    same(ok, 'run ok');
    assert.equal(ok[0].code, 0);
    runIds.local = /Run ([0-9a-f-]{36})/.exec(ok[0].stdout)![1]!;
    runIds.remote = /Run ([0-9a-f-]{36})/.exec(ok[1].stdout)![1]!;
    assert.notEqual(runIds.local, runIds.remote);
    const fail = await both(() => ['run', 'bad-run.orchest', '--json']);
    same(fail, 'run failing --json');
    assert.equal(fail[0].code, 1);
    failIds.local = JSON.parse(fail[0].stdout).run.uuid;
    failIds.remote = JSON.parse(fail[1].stdout).run.uuid;
    same(await both(() => ['validate', 'ok.orchest']), 'validate');
    same(await both(() => ['validate', 'ok.orchest', '--json']), 'validate --json');
    const invalid = await both(() => ['validate', 'invalid.orchest']);
    same(invalid, 'validate invalid');
    assert.equal(invalid[0].code, 2);
    same(await both(() => ['run', 'missing.orchest']), 'run missing file');
  });

  it('runs, runs show, logs, cancel', async () => {
    same(await both(() => ['runs']), 'runs');
    same(await both(() => ['runs', '--json']), 'runs --json');
    same(await both(() => ['runs', '--status', 'FAILURE', '--json']), 'runs --status');
    same(await both(({ local }) => ['runs', 'show', local.slice(0, 8)], runIds), 'runs show');
    same(await both(({ local }) => ['runs', 'show', local, '--json'], failIds), 'runs show --json');
    const logs = await both(({ local }) => ['logs', local, 'A'], runIds);
    same(logs, 'logs');
    assert.equal(logs[1].stdout, 'alpha out\n');
    same(await both(({ local }) => ['logs', local.slice(0, 8), 'B', '-f'], runIds), 'logs -f');
    same(await both(({ local }) => ['cancel', local], runIds), 'cancel an ended run');
    same(await both(() => ['runs', 'show', 'ffffffff']), 'unknown run');
    same(await both(({ local }) => ['logs', local, 'Nope'], runIds), 'unknown step');
  });

  it('env-var and session list/logs go to the server (its store, not this machine\'s), with the same output', async () => {
    await box.run(['run', 'ok.orchest'], { env: remote });
    const set = await box.run(['env-var', 'set', '--project', 'project', 'REMOTE_ONLY', 'v1'], { env: remote });
    assert.equal(set.code, 0, set.stderr);
    const onServer = (await (await server.api('GET', '/api/projects/project/env-vars')).json()) as { variables: Array<{ name: string }> };
    assert.deepEqual(onServer.variables.map((v) => v.name), ['REMOTE_ONLY']);
    await box.run(['run', 'ok.orchest']);
    const here = await box.run(['env-var', 'list', '--project', 'project', '--json']);
    assert.deepEqual(JSON.parse(here.stdout).variables, [], 'the variable was not written into the local store');
    const pipelineVar = await box.run(['env-var', 'set', '--pipeline', 'ok.orchest', 'PIPE_VAR', 'v2'], { env: remote });
    assert.equal(pipelineVar.code, 0, pipelineVar.stderr);
    const listed = await box.run(['env-var', 'list', '--pipeline', 'ok.orchest', '--json'], { env: remote });
    assert.deepEqual(JSON.parse(listed.stdout).variables.map((v: { name: string }) => v.name), ['PIPE_VAR']);
    assert.equal((await box.run(['env-var', 'rm', '--project', 'project', 'REMOTE_ONLY'], { env: remote })).code, 0);
    assert.deepEqual(((await (await server.api('GET', '/api/projects/project/env-vars')).json()) as { variables: unknown[] }).variables, []);
    same(await both(() => ['env-var', 'list', '--project', 'project']), 'env-var list');
    same(await both(() => ['session', 'list']), 'session list');
    same(await both(() => ['session', 'list', '--json']), 'session list --json');
    const noSession = await both(() => ['session', 'logs', 'ok.orchest', 'nope']);
    for (const res of noSession) {
      assert.equal(res.code, 2);
      assert.match(res.stderr, /ok\.orchest has no session \[BERTH_E_SESSION_NOT_FOUND\]/);
    }
  });

  it('reports an unreachable server clearly', async () => {
    const res = await box.run(['runs'], { env: { BERTH_ENDPOINT: 'http://127.0.0.1:9', BERTH_TOKEN: 'x' } });
    assert.equal(res.code, 1);
    assert.match(res.stderr, /cannot reach the Berth server at http:\/\/127\.0\.0\.1:9 .*\[BERTH_E_SERVER_UNREACHABLE\]/);
    const bad = await box.run(['runs'], { env: { BERTH_ENDPOINT: server.url, BERTH_TOKEN: 'wrong' } });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /BERTH_E_UNAUTHORIZED/);
  });

  it('token create/list/revoke works in both modes', async () => {
    await box.run(['run', 'ok.orchest']);
    for (const env of [{}, remote]) {
      const created = await box.run(['token', 'create', 'ci', '--project', 'project', '--json'], { env });
      assert.equal(created.code, 0, created.stderr);
      const { token, info } = JSON.parse(created.stdout);
      assert.match(token, /^berth_/);
      const list = await box.run(['token', 'list', '--json'], { env });
      assert.ok(JSON.parse(list.stdout).tokens.some((t: { id: string }) => t.id === info.id));
      assert.doesNotMatch(list.stdout, new RegExp(token));
      const table = await box.run(['token', 'list'], { env });
      assert.match(table.stdout, new RegExp(`^${info.id}\\s+ci\\s+project\\s+project\\s+-`, 'm'), 'the PROJECT column names the project');
      assert.ok(!table.stdout.includes(info.project_uuid), table.stdout);
      const shown = await box.run(['token', 'create', 'ci2', '--project', 'project'], { env });
      assert.match(shown.stderr, /for project "project"\./);
      const revoked = await box.run(['token', 'revoke', info.id], { env });
      assert.equal(revoked.stdout, `Token ${info.id} "ci" revoked.\n`);
    }
  });

  it('berth service deploy|list|logs|rm goes to the server (and says so in-process)', async () => {
    const port = 16000 + (process.pid % 1000);
    const def = box.file('svc.json', JSON.stringify({ name: 'web', command: 'python3', args: `-u -m http.server ${port} --bind 127.0.0.1`, ports: [port] }));
    const local = await box.run(['service', 'list', '--project', 'project']);
    assert.equal(local.code, 2);
    assert.match(local.stderr, /services run inside a Berth server/);
    const deployed = await box.run(['service', 'deploy', '--project', 'project', '--file', def], { env: remote });
    assert.equal(deployed.code, 0, deployed.stderr);
    assert.match(deployed.stdout, new RegExp(`Service "web" running: /api/projects/project/services/web/${port}/`));
    const list = await box.run(['service', 'list', '--project', 'project', '--json'], { env: remote });
    assert.deepEqual(JSON.parse(list.stdout).services.map((x: { name: string }) => x.name), ['web']);
    let served = 0;
    for (let i = 0; i < 100 && served !== 200; i++) {
      served = (await server.api('GET', `/api/projects/project/services/web/${port}/`)).status;
      if (served !== 200) await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(served, 200);
    const logs = await box.run(['service', 'logs', '--project', 'project', 'web'], { env: remote });
    assert.match(logs.stdout, /GET \/ HTTP/);
    const rm = await box.run(['service', 'rm', '--project', 'project', 'web'], { env: remote });
    assert.equal(rm.code, 0, rm.stderr);
    assert.equal((await box.run(['service', 'rm', '--project', 'project', 'web'], { env: remote })).code, 2);
  });

  it('Ctrl-C on a remote berth run cancels the run on the server', async () => {
    box.file('steps/long.sh', 'echo long; sleep 30\n');
    writePipeline(box, 'long.orchest', { ...pipeline('long', [{ title: 'Long', file: 'steps/long.sh' }]), uuid: '77777777-2222-4333-8444-555555555555' });
    const child = box.spawn(['run', 'long.orchest'], { env: remote });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const done = collect(child);
    for (let i = 0; i < 400 && !/▶ Long/.test(stderr); i++) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGINT');
    const res = await done;
    assert.equal(res.code, 1, res.stderr);
    assert.match(res.stderr, /Cancelling/);
    const uuid = /Run ([0-9a-f-]{36}) ABORTED/.exec(res.stdout)?.[1];
    assert.ok(uuid, res.stdout);
    assert.equal((await server.waitForRun(uuid)).steps[0]!.status, 'ABORTED');
  });

  it('project list|rename|rm and pipeline rm go to the server; rm --force removes the project\'s services there', async () => {
    const port = 17000 + (process.pid % 1000);
    const def = box.file('svc2.json', JSON.stringify({ name: 'web2', command: 'python3', args: `-u -m http.server ${port} --bind 127.0.0.1`, ports: [port] }));
    assert.equal((await box.run(['service', 'deploy', '--project', 'project', '--file', def], { env: remote })).code, 0);
    const list = await box.run(['project', 'list', '--json'], { env: remote });
    assert.deepEqual(JSON.parse(list.stdout).projects.map((p: { name: string }) => p.name), ['project']);
    writePipeline(box, 'drop.orchest', { ...pipeline('drop', [{ title: 'A', file: 'steps/a.sh' }]), uuid: '88888888-2222-4333-8444-555555555555' });
    const dropped = await box.run(['pipeline', 'rm', 'drop.orchest'], { env: remote });
    assert.equal(dropped.code, 0, dropped.stderr);
    assert.equal(dropped.stdout, 'Deleted drop.orchest from project "project".\n');
    const refused = await box.run(['project', 'rm', 'project'], { env: remote });
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /service web2 is active/);
    const forced = await box.run(['project', 'rm', 'project', '--force', '--json'], { env: remote });
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal(JSON.parse(forced.stdout).name, 'project');
    assert.equal((await server.api('GET', `/api/projects/project/services/web2/${port}/`)).status, 404);
    const events = (await (await server.api('GET', '/api/events?type=project:&limit=200')).json()) as { events: Array<{ type: string; project: { name: string } }> };
    const types = events.events.map((e) => e.type);
    assert.ok(types.indexOf('project:deleted') < types.indexOf('project:service:deleted'), 'the service went before the project');
    assert.ok(types.includes('project:pipeline:deleted'));
  });
});
