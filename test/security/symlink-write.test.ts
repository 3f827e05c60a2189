import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { bashPipeline } from '../helpers/berth-server.ts';
import { eventually } from '../helpers/eventually.ts';
import { AttackServer, attackRuntimes } from './attack-server.ts';

type Json = Record<string, any>;
const PIPELINE = { name: 'evil', uuid: '31111111-2222-4333-8444-555555555555', version: '1.2.3', parameters: {}, settings: {}, steps: {} };

describe('security: writes never go through a symlink out of the project', () => {
  const s = new AttackServer();
  let outside = '';
  before(async () => {
    await s.start();
    outside = join(s.root, 'outside');
    mkdirSync(outside, { recursive: true });
  });
  after(async () => {
    await s.stop();
    s.cleanup();
  });

  const put = (path: string) => s.api('PUT', `/api/projects/a/pipelines/${encodeURIComponent(path)}`, { token: s.tokenA, body: PIPELINE });

  it('PUT through a dangling symlink to a missing file outside the project: 400, nothing created', async () => {
    symlinkSync(join(outside, 'created.orchest'), join(s.projectDir('a'), 'evil.orchest'));
    const res = await put('evil.orchest');
    assert.equal(res.status, 400, await res.clone().text());
    const body = (await res.json()) as Json;
    assert.equal(body.error.code, 'BERTH_E_INVALID_ARGUMENT');
    assert.equal(body.error.problems[0].path, 'path');
    assert.equal(existsSync(join(outside, 'created.orchest')), false);
  });

  it('PUT below a dangling folder link, or through a chain of links, or a loop: 400, nothing created', async () => {
    symlinkSync(join(outside, 'newdir'), join(s.projectDir('a'), 'sub'));
    assert.equal((await put('sub/x.orchest')).status, 400);
    assert.equal(existsSync(join(outside, 'newdir')), false);
    symlinkSync('chain2.orchest', join(s.projectDir('a'), 'chain1.orchest'));
    symlinkSync(join(outside, 'chained.orchest'), join(s.projectDir('a'), 'chain2.orchest'));
    assert.equal((await put('chain1.orchest')).status, 400);
    assert.equal(existsSync(join(outside, 'chained.orchest')), false);
    symlinkSync('loop.orchest', join(s.projectDir('a'), 'loop.orchest'));
    const loop = await put('loop.orchest');
    assert.equal(loop.status, 400);
    assert.equal(((await loop.json()) as Json).error.problems[0].message, 'is a loop of symlinks');
  });

  it('DELETE of a link to a file outside the project: 400 and the file stays', async () => {
    writeFileSync(join(outside, 'victim.orchest'), JSON.stringify(PIPELINE));
    symlinkSync(join(outside, 'victim.orchest'), join(s.projectDir('a'), 'victim.orchest'));
    assert.equal((await s.api('DELETE', '/api/projects/a/pipelines/victim.orchest', { token: s.tokenA })).status, 400);
    assert.equal(existsSync(join(outside, 'victim.orchest')), true);
  });

  it('a dangling link that stays inside the project is written at its target', async () => {
    symlinkSync('real/target.orchest', join(s.projectDir('a'), 'inner.orchest'));
    const res = await put('inner.orchest');
    assert.equal(res.status, 201, await res.clone().text());
    assert.equal(JSON.parse(readFileSync(join(s.projectDir('a'), 'real', 'target.orchest'), 'utf8')).uuid, PIPELINE.uuid);
    assert.equal(await s.alive(), true);
  });
});

/**
 * Item 7 on the docker runtime: a step plants links in what it has mounted — the project
 * (/project-dir) and its own run folder (/berth-run), where the server keeps the steps' logs, writes
 * them (as root) and reads them back for the API. Neither a write nor a read may follow such a link
 * out of the folder: the server never appends a step's output to a host file, nor serves one as a log.
 */
if ((await attackRuntimes('links a step plants')).includes('docker')) {
  describe('security (docker runtime): links a step plants are never followed by the server', () => {
    const s = new AttackServer('docker');
    let outside = '';
    before(async () => {
      await s.start();
      outside = join(s.root, 'outside');
      mkdirSync(outside, { recursive: true });
      writeFileSync(join(outside, 'secret.txt'), 'host secret\n');
      writeFileSync(join(outside, 'target.txt'), 'original\n');
    });
    after(async () => {
      await s.stop();
      s.cleanup();
    });

    it("a step that swaps its own log and a later step's log for links to host files: nothing is written to or read from them", async () => {
      const first = '00000000-0000-4000-8000-000000000001';
      const second = '00000000-0000-4000-8000-000000000002';
      const { pipeline, files } = bashPipeline('plant', [
        ['plant', `echo planting\nln -sf "$OUTSIDE/secret.txt" /berth-run/logs/${first}.log\nln -sf "$OUTSIDE/target.txt" /berth-run/logs/${second}.log\nln -s "$OUTSIDE/planted.orchest" /project-dir/evil.orchest\necho planted\n`],
        ['after', 'echo INJECTED\n'],
      ]);
      for (const [rel, content] of Object.entries(files)) s.file('a', rel, content);
      s.file('a', 'plant.orchest', JSON.stringify(pipeline));
      const res = await s.api('POST', '/api/projects/a/runs', { token: s.tokenA, body: { pipeline: 'plant.orchest', env: { OUTSIDE: outside } } });
      assert.equal(res.status, 201, await res.clone().text());
      const uuid = ((await res.json()) as Json).run.uuid as string;
      await eventually('the run to end', async () => !['PENDING', 'STARTED'].includes(((await (await s.api('GET', `/api/runs/${uuid}`, { token: s.tokenA })).json()) as Json).run.status));
      assert.equal(readFileSync(join(outside, 'target.txt'), 'utf8'), 'original\n', "a step's output was appended to a host file through a link");
      for (const step of [first, second]) {
        const log = await (await s.api('GET', `/api/runs/${uuid}/steps/${step}/logs`, { token: s.tokenA })).text();
        assert.doesNotMatch(log, /host secret|original/, `the log of ${step} served a host file`);
      }
      const put = await s.api('PUT', '/api/projects/a/pipelines/evil.orchest', { token: s.tokenA, body: PIPELINE });
      assert.equal(put.status, 400, await put.clone().text());
      assert.equal(existsSync(join(outside, 'planted.orchest')), false);
      assert.equal(await s.alive(), true);
      assert.deepEqual(await s.run('b'), { status: 'SUCCESS', log: 'ran-ok\n' }, 'another project still runs');
    });
  });
}
