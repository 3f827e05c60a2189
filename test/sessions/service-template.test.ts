import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { parseJson, pipeline, Sandbox, writePipeline } from '../helpers/berth-cli.ts';

describe('berth service template', () => {
  const box = new Sandbox();
  after(() => box.cleanup());

  it('lists the built-in templates and adds one to a pipeline file (next order; a taken name leaves the file as it was)', async () => {
    const list = await box.run(['service', 'template', 'list', '--json']);
    assert.equal(list.code, 0, list.stderr);
    assert.deepEqual(parseJson(list.stdout).templates.map((t: any) => t.name), ['tensorboard', 'streamlit', 'vscode', 'jupyterlab', 'redis', 'postgres', 'mlflow']);
    writePipeline(box, 'p.orchest', pipeline('p', [], { services: { web: { name: 'web', image: 'x', ports: [80], scope: ['interactive'], order: 4 } } }));
    const add = await box.run(['service', 'template', 'add', 'postgres', 'p.orchest']);
    assert.equal(add.code, 0, add.stderr);
    const file = readFileSync(`${box.project}/p.orchest`, 'utf8');
    const pg = JSON.parse(file).services.postgres;
    assert.deepEqual([pg.image, pg.order, pg.berth_volumes], ['postgres:16', 5, { 'postgres-data': '/var/lib/postgresql/data' }]);
    const again = await box.run(['service', 'template', 'add', 'postgres', 'p.orchest']);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /already has a service "postgres" \[BERTH_E_CONFLICT\]/);
    assert.equal(readFileSync(`${box.project}/p.orchest`, 'utf8'), file);
    const named = await box.run(['service', 'template', 'add', 'redis', 'p.orchest', '--name', 'cache']);
    assert.equal(named.code, 0, named.stderr);
    assert.equal(JSON.parse(readFileSync(`${box.project}/p.orchest`, 'utf8')).services.cache.image, 'redis');
    const unknown = await box.run(['service', 'template', 'add', 'nope', 'p.orchest']);
    assert.match(unknown.stderr, /no template "nope".*\n.*use one of: tensorboard/);
  });
});
