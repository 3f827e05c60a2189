import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { which } from '../../src/runtimes/process/step-command.ts';
import { parseJson, REPO, Sandbox } from '../helpers/berth-cli.ts';

describe('examples/sdk-tour (the README’s SDK example)', () => {
  const nbconvert = which('jupyter-nbconvert', process.env.PATH ?? '');
  it('runs unchanged: Python, JS, TS, shell and notebook steps pass data with every SDK call', { skip: nbconvert ? false : 'jupyter-nbconvert is not installed (.ci/run installs it)' }, async () => {
    const box = new Sandbox();
    try {
      const res = await box.run(['run', join(REPO, 'examples', 'sdk-tour', 'sdk-tour.orchest'), '--json']);
      const report = parseJson(res.stdout);
      const logs = report.steps.map((s: any) => `${s.title}: ${readFileSync(s.log_path, 'utf8')}`).join('\n');
      assert.equal(res.code, 0, logs);
      const out = JSON.parse(readFileSync(join(box.home, 'data', 'sdk-tour', 'report.json'), 'utf8'));
      assert.equal(out.summary.count, 1000);
      assert.equal(out.summary.greeting, 'hello from the pipeline');
      assert.ok(out.summary.max <= 2 && out.summary.max > 1, 'values are scaled by the pipeline parameter');
      assert.match(out.checksum, /^[0-9a-f]{64}$/);
      assert.deepEqual(out.columns, { id: ['i', 1000], value: ['d', 1000] }, 'the JS step’s COLUMNS table arrives as array.array columns');
      assert.deepEqual(out.shell, ['from bash: 1000 rows']);
      assert.deepEqual(out.services, ['redis']);
      assert.match(out.service_not_found, /no-such-service/);
      const collect = report.steps.find((s: any) => s.title === 'Collect');
      const executed = readFileSync(join(box.home, 'runs', report.run.uuid, 'notebooks', `${collect.uuid}.ipynb`), 'utf8');
      assert.match(executed, /redis-/, 'the executed notebook keeps its cell outputs');
    } finally {
      box.cleanup();
    }
  });
});
