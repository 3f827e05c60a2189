import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseJson, REPO, Sandbox } from '../helpers/berth-cli.ts';

describe("the README's minimal pipeline", () => {
  const box = new Sandbox();
  after(() => box.cleanup());

  it('validates and runs as the README says', async () => {
    const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
    const json = /A minimal pipeline[\s\S]*?```json\n([\s\S]*?)```/.exec(readme)?.[1];
    assert.ok(json, 'the README shows a minimal pipeline');
    box.file('minimal.orchest', json);
    box.file('fetch.sh', 'echo fetched\n');
    assert.match((await box.run(['validate', 'minimal.orchest'])).stderr, /report\.py does not exist/, 'a missing step file is reported');
    box.file('report.py', 'print("reported")\n');
    const valid = await box.run(['validate', 'minimal.orchest']);
    assert.equal(valid.code, 0, valid.stderr);
    const run = await box.run(['run', 'minimal.orchest', '--json']);
    assert.equal(run.code, 0, run.stderr);
    const report = parseJson(run.stdout);
    assert.deepEqual(report.steps.map((s: { title: string; status: string }) => [s.title, s.status]), [['Fetch', 'SUCCESS'], ['Report', 'SUCCESS']]);
  });
});
