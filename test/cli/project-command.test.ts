import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, it } from 'node:test';
import { collect, parseJson, pipeline, Sandbox, writePipeline } from '../helpers/berth-cli.ts';
import { TestServer } from '../helpers/berth-server.ts';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('berth project / berth pipeline rm (local store)', () => {
  const box = new Sandbox();
  after(() => box.cleanup());
  box.file('steps/ok.sh', 'echo ok\n');
  box.file('steps/wait.sh', 'echo $$ > "$BERTH_DATA_DIR/wait.pid"\nsleep 60\n');
  writePipeline(box, 'ok.orchest', pipeline('ok', [{ title: 'Ok', file: 'steps/ok.sh' }]));
  writePipeline(box, 'wait.orchest', pipeline('wait', [{ title: 'Wait', file: 'steps/wait.sh' }], { uuid: '33333333-2222-4333-8444-555555555555' }));

  async function eventTypes(prefix: string): Promise<any[]> {
    const res = await box.run(['events', '--type', prefix, '--json']);
    assert.equal(res.code, 0, res.stderr);
    return parseJson(res.stdout).events;
  }

  it('lists, renames and re-points projects; a bad folder or name is exit 2 naming the field', async () => {
    assert.equal((await box.run(['run', 'ok.orchest'])).code, 0);
    const list = parseJson((await box.run(['project', 'list', '--json'])).stdout).projects;
    assert.deepEqual(list.map((p: any) => p.name), ['project']);
    const renamed = await box.run(['project', 'rename', 'project', 'shop', '--json']);
    assert.equal(renamed.code, 0, renamed.stderr);
    assert.equal(parseJson(renamed.stdout).name, 'shop');
    assert.equal((await eventTypes('project:updated'))[0].project.name, 'shop');
    const bad = await box.run(['project', 'rename', 'shop', 'bad name!']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /BERTH_E_INVALID_ARGUMENT[\s\S]*name/);
    const nowhere = await box.run(['project', 'move', 'shop', join(box.root, 'nowhere')]);
    assert.equal(nowhere.code, 2);
    assert.match(nowhere.stderr, /path/);
    assert.match((await box.run(['project', 'list'])).stdout, /shop\s+\S+\s+.*project/);
  });

  it('pipeline rm deletes the file and records project:pipeline:deleted', async () => {
    writePipeline(box, 'gone.orchest', pipeline('gone', [{ title: 'Ok', file: 'steps/ok.sh' }], { uuid: '44444444-2222-4333-8444-555555555555' }));
    const res = await box.run(['pipeline', 'rm', 'gone.orchest', '--json']);
    assert.equal(res.code, 0, res.stderr);
    assert.deepEqual(parseJson(res.stdout), { project: 'shop', path: 'gone.orchest', uuid: '44444444-2222-4333-8444-555555555555' });
    assert.equal(existsSync(join(box.project, 'gone.orchest')), false);
    const [deleted] = await eventTypes('project:pipeline:deleted');
    assert.deepEqual([deleted.project.name, deleted.project.pipeline.name, deleted.project.pipeline.path], ['shop', 'gone', 'gone.orchest']);
    assert.equal((await box.run(['pipeline', 'rm', 'gone.orchest'])).code, 2);
  });

  it('project rm --force on the local store refuses a project with services (they run in a server) and stops nothing', async () => {
    const server = new TestServer();
    await server.start({ env: { BERTH_HOME: box.home } });
    try {
      const port = 18000 + (process.pid % 1000);
      const svc = await server.api('POST', '/api/projects/shop/services', { body: { name: 'web', command: 'python3', args: `-u -m http.server ${port} --bind 127.0.0.1`, ports: [port] } });
      assert.equal(svc.status, 201, await svc.clone().text());
      const res = await box.run(['project', 'rm', 'shop', '--force']);
      assert.equal(res.code, 2);
      assert.match(res.stderr, /services \(web\), which run inside a Berth server \[BERTH_E_CONFLICT\]/);
      assert.match(res.stderr, /BERTH_ENDPOINT/);
      assert.equal(parseJson((await box.run(['project', 'list', '--json'])).stdout).projects.length, 1);
      assert.equal((await server.api('DELETE', '/api/projects/shop/services/web')).status, 204);
    } finally {
      await server.close();
      server.cleanup();
    }
  });

  it('project rm refuses while a run is active (exit 2, naming it); --force cancels the run and unregisters the project', async () => {
    const runner = box.spawn(['run', 'wait.orchest', '--json']);
    const done = collect(runner);
    const pidFile = join(box.home, 'data', 'wait.pid');
    const deadline = Date.now() + 20_000;
    while (!existsSync(pidFile)) {
      if (Date.now() > deadline) throw new Error('the step never started');
      await sleep(50);
    }
    const stepPid = Number(readFileSync(pidFile, 'utf8'));
    const run = parseJson((await box.run(['runs', '--json'])).stdout).runs.find((r: any) => r.status === 'STARTED');
    const refused = await box.run(['project', 'rm', 'shop']);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /BERTH_E_CONFLICT/);
    assert.match(refused.stderr, new RegExp(`run ${run.uuid}`));
    assert.match(refused.stderr, /--force/);

    const forced = await box.run(['project', 'rm', 'shop', '--force']);
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(forced.stdout, /removed from Berth; its folder .* is untouched/);
    await done;
    assert.equal(alive(stepPid), false, 'the step was stopped');
    assert.deepEqual(parseJson((await box.run(['project', 'list', '--json'])).stdout).projects, []);
    assert.ok(existsSync(join(box.project, 'wait.orchest')));
    const [deleted] = await eventTypes('project:deleted');
    assert.equal(deleted.project.name, 'shop');
    assert.ok((await eventTypes('project:pipeline:interactive-session:pipeline-run:cancelled')).some((e) => e.project.pipeline.session.pipeline_run.uuid === run.uuid));
  });
});
