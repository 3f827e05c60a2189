import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseJson, Sandbox } from '../helpers/berth-cli.ts';

describe('berth init', () => {
  const box = new Sandbox();
  after(() => box.cleanup());

  it('writes a starter project that validates and runs: two connected steps passing data', async () => {
    const init = await box.run(['init', 'starter']);
    assert.equal(init.code, 0, init.stderr);
    assert.match(init.stdout, /Next: berth run starter\/main\.orchest/);
    const dir = join(box.project, 'starter');
    for (const f of ['main.orchest', 'prepare.py', 'summarise.py', '.orchest']) assert.ok(existsSync(join(dir, f)), f);
    const def = JSON.parse(readFileSync(join(dir, 'main.orchest'), 'utf8'));
    assert.equal(def.name, 'starter');
    const steps = Object.values(def.steps) as Array<{ uuid: string; title: string; incoming_connections: string[] }>;
    assert.deepEqual(steps.map((s) => s.title).sort(), ['Prepare', 'Summarise']);
    assert.deepEqual(steps.find((s) => s.title === 'Summarise')!.incoming_connections, [steps.find((s) => s.title === 'Prepare')!.uuid]);

    assert.equal((await box.run(['validate', 'starter/main.orchest'])).code, 0);
    const run = await box.run(['run', 'starter/main.orchest', '--json']);
    assert.equal(run.code, 0, run.stderr + run.stdout);
    const report = parseJson(run.stdout);
    assert.equal(report.run.status, 'SUCCESS');
    const log = (await box.run(['logs', report.run.uuid, 'Summarise'])).stdout;
    assert.match(log, /summary: \{'count': 10, 'total': \d+/);
  });

  it('never overwrites: a second init into the same folder writes nothing and exits 2 naming the files', async () => {
    const again = await box.run(['init', 'starter']);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /already has main\.orchest, prepare\.py, summarise\.py; nothing was written \[BERTH_E_CONFLICT\]/);
    box.file('afile', 'x');
    const onFile = await box.run(['init', 'afile']);
    assert.equal(onFile.code, 2);
    assert.match(onFile.stderr, /is a file, not a folder/);
  });
});
