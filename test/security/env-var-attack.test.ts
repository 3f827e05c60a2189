import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, it } from 'node:test';
import { Sandbox } from '../helpers/berth-cli.ts';
import { AttackServer, attackRuntimes } from './attack-server.ts';

type Json = Record<string, any>;

async function problems(res: Response): Promise<string[]> {
  const body = (await res.json()) as Json;
  return body.error.problems.map((p: Json) => p.path);
}

for (const runtime of await attackRuntimes('env var attack')) describe(`security (${runtime} runtime): one bad environment variable never breaks other workloads or projects`, () => {
  const s = new AttackServer(runtime);
  before(async () => {
    await s.start();
    s.file('a', 'pipe.orchest', JSON.stringify({ name: 'p', uuid: '11111111-2222-4333-8444-555555555555', version: '1.2.3', parameters: {}, settings: {}, steps: {} }));
  });
  after(async () => {
    await s.stop();
    s.cleanup();
  });

  it('a run whose env has a name with "=" (or a NUL value) is refused with 400 naming the variable; every project still runs', async () => {
    assert.deepEqual(await s.run('b'), { status: 'SUCCESS', log: 'ran-ok\n' });
    const cases: Array<[Record<string, string>, string]> = [[{ 'A=B': 'x' }, 'body.env["A=B"]'], [{ GOOD: 'a\u0000b' }, 'body.env.GOOD'], [{ '1X': 'y' }, 'body.env.1X'], [{ '': 'empty' }, 'body.env[""]']];
    for (const [env, path] of cases) {
      const res = await s.api('POST', '/api/projects/a/runs', { token: s.tokenA, body: { pipeline: 'pipe.orchest', env } });
      assert.equal(res.status, 400, JSON.stringify(env));
      assert.deepEqual(await problems(res), [path]);
    }
    assert.deepEqual(await s.run('b'), { status: 'SUCCESS', log: 'ran-ok\n' }, 'project b still runs');
    assert.deepEqual(await s.run('a'), { status: 'SUCCESS', log: 'ran-ok\n' }, 'project a still runs');
  });

  it('env-vars, jobs and services refuse bad names and NUL values with 400 naming the field', async () => {
    const nul = await s.api('PUT', '/api/projects/a/env-vars/SECRET', { token: s.tokenA, body: { value: 'x\u0000y' } });
    assert.equal(nul.status, 400);
    assert.deepEqual(await problems(nul), ['value']);
    const badName = await s.api('PUT', `/api/projects/a/env-vars/${encodeURIComponent('A=B')}`, { token: s.tokenA, body: { value: 'x' } });
    assert.equal(badName.status, 400);
    assert.deepEqual(await problems(badName), ['name']);
    const job = await s.api('POST', '/api/projects/a/jobs', { token: s.tokenA, body: { name: 'j', pipeline_path: 'pipe.orchest', env_variables: { 'A=B': 'x', OK: 'a\u0000' } } });
    assert.equal(job.status, 400, await job.clone().text());
    assert.deepEqual((await problems(job)).sort(), ['env_variables.OK', 'env_variables["A=B"]']);
    const svc = await s.api('POST', '/api/projects/a/services', { token: s.tokenA, body: { name: 'web', command: 'sleep', args: '60', ports: [8080], env_variables: { 'A=B': 'x', V: 'a\u0000b', 'DASH-ED': 'x' } } });
    assert.equal(svc.status, 400, await svc.clone().text());
    assert.deepEqual((await problems(svc)).sort(), ['body.env_variables.DASH-ED', 'body.env_variables.V', 'body.env_variables["A=B"]']);
    const form = await s.api('POST', '/api/projects/a/services?image=redis&name=r', { token: s.tokenA, body: { 'A=B': 'x' } });
    assert.equal(form.status, 400);
    assert.equal((await s.api('GET', '/api/projects/a/services', { token: s.tokenA }).then((r) => r.json()) as Json).services.length, 0, 'nothing was deployed');
  });

  it('a session whose pipeline file gives a service a NUL value is refused with the field path', async () => {
    s.file('a', 'sess.orchest', JSON.stringify({
      name: 's', uuid: '21111111-2222-4333-8444-555555555555', version: '1.2.3', parameters: {}, settings: {}, steps: {},
      services: { web: { name: 'web', image: 'host', command: 'sleep', args: '60', scope: ['interactive'], env_variables: { V: 'a\u0000b' }, ports: [8080] } },
    }));
    const res = await s.api('POST', '/api/projects/a/pipelines/sess.orchest/session', { token: s.tokenA, body: {} });
    assert.equal(res.status, 400, await res.clone().text());
    assert.ok((await problems(res)).some((p) => p.includes('env_variables.V')));
  });

  it('a NUL already stored in a variable (before values were checked) does not break later runs', async () => {
    const db = new DatabaseSync(join(s.home, 'berth.db'), { timeout: 5_000 });
    try {
      const project = db.prepare("SELECT uuid FROM projects WHERE name = 'b'").get() as { uuid: string };
      db.prepare("INSERT INTO env_vars (project_uuid, pipeline_uuid, name, value, updated_at) VALUES (?, '', 'STORED', ?, '2026-01-01T00:00:00Z')").run(project.uuid, 'bad\u0000value');
      db.prepare("INSERT INTO env_vars (project_uuid, pipeline_uuid, name, value, updated_at) VALUES (?, '', 'X=Y', 'v', '2026-01-01T00:00:00Z')").run(project.uuid);
      db.prepare("INSERT INTO env_vars (project_uuid, pipeline_uuid, name, value, updated_at) VALUES (?, '', 'KEPT', 'kept-value', '2026-01-01T00:00:00Z')").run(project.uuid);
    } finally {
      db.close();
    }
    assert.deepEqual(await s.run('b', 'echo "$KEPT ${STORED-unset} ${X-unset}"\n'), { status: 'SUCCESS', log: 'kept-value unset unset\n' }, 'a stored name with "=" reaches no step as another variable');
    assert.deepEqual(await s.run('b'), { status: 'SUCCESS', log: 'ran-ok\n' });
    assert.deepEqual(await s.run('a'), { status: 'SUCCESS', log: 'ran-ok\n' });
  });
});

describe('security: CLI --env flags are checked the same way', () => {
  const box = new Sandbox();
  after(() => box.cleanup());

  it('run, job, exec and service --env refuse bad names with a usage error naming the flag', async () => {
    box.file('p.orchest', JSON.stringify({ name: 'p', uuid: '11111111-2222-4333-8444-555555555555', version: '1.2.3', parameters: {}, settings: {}, steps: {} }));
    for (const args of [['run', 'p.orchest', '--env', 'A-B=1'], ['exec', '--env', 'A-B=1', 'instance://x', 'true'], ['service', 'deploy', '--project', 'x', '--image', 'redis', '--env', '1A=2']]) {
      const res = await box.run(args);
      assert.equal(res.code, 2, `${args.join(' ')}: ${res.stderr}`);
      assert.match(res.stderr, /--env "(A-B|1A)=\d" is not NAME=VALUE with a valid variable name/);
    }
  });
});
