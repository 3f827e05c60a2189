import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, statSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseJson, pipeline, Sandbox, writePipeline } from '../helpers/berth-cli.ts';
import { ORCHEST_FIXTURES, orchestFixture } from '../helpers/orchest-fixtures.ts';

const NO_STACK = /\n\s+at [\w.<>]+ \(/;

describe('berth validate and invalid input', () => {
  const box = new Sandbox();
  after(() => box.cleanup());

  it('accepts every real Orchest pipeline file in the fixtures', async () => {
    const root = ORCHEST_FIXTURES;
    orchestFixture('quickstart'); // fails clearly when the shared fixtures are missing
    const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.orchest') && statSync(join(root, f)).isFile());
    assert.equal(files.length, 4);
    for (const f of files) {
      const res = await box.run(['validate', join(root, f)]);
      assert.equal(res.code, 0, `${f}: ${res.stderr}`);
      assert.match(res.stdout, /valid pipeline/);
    }
  });

  it('reports all problems at once with their JSON paths, exit 2, no stack trace', async () => {
    box.file('steps/a.sh', 'exit 0\n');
    const def = pipeline('bad', [
      { title: 'A', file: 'steps/a.sh', parents: ['C'] },
      { title: 'B', file: '/etc/passwd' },
      { title: 'C', file: 'steps/a.sh', parents: ['A'] },
      { title: 'D', file: '../../outside.sh' },
      { title: 'E', file: 'steps/a.sh', parents: ['ffffffff-0000-4000-8000-000000000000'] },
    ], {
      services: {
        'Bad_Name': { name: 'Bad_Name', image: 'redis', ports: [6379], exposed: false, scope: ['interactive'], order: 1 },
        redis: { name: 'redis', image: 'redis', ports: [70000], exposed: false, scope: ['sometimes'], order: 1 },
      },
    });
    writePipeline(box, 'bad.orchest', def);
    const res = await box.run(['validate', 'bad.orchest']);
    assert.equal(res.code, 2);
    assert.doesNotMatch(res.stderr, NO_STACK);
    assert.match(res.stderr, /BERTH_E_INVALID_PIPELINE/);
    assert.match(res.stderr, /steps\.00000000-0000-4000-8000-000000000002\.file_path/); // absolute
    assert.match(res.stderr, /steps\.00000000-0000-4000-8000-000000000004\.file_path/); // escapes
    assert.match(res.stderr, /ffffffff-0000-4000-8000-000000000000/); // unknown reference
    assert.match(res.stderr, /A → C → A|C → A → C/); // the cycle, by title
    assert.match(res.stderr, /services\.Bad_Name/);
    assert.match(res.stderr, /services\.redis\.ports/);
    assert.match(res.stderr, /services\.redis\.scope/);
    assert.match(res.stderr, /order/);
    const json = await box.run(['validate', 'bad.orchest', '--json']);
    assert.equal(json.code, 2);
    const err = parseJson(json.stdout).error;
    assert.equal(err.code, 'BERTH_E_INVALID_PIPELINE');
    assert.ok(err.problems.length >= 8, `expected every problem, got ${err.problems.length}`);
    for (const p of err.problems) assert.ok(p.path && p.message, JSON.stringify(p));
  });

  it('berth run refuses an invalid pipeline without creating a run', async () => {
    writePipeline(box, 'cyclic.orchest', pipeline('cyclic', [
      { title: 'A', file: 'steps/a.sh', parents: ['B'] },
      { title: 'B', file: 'steps/a.sh', parents: ['A'] },
    ]));
    const res = await box.run(['run', 'cyclic.orchest']);
    assert.equal(res.code, 2);
    assert.match(res.stderr, /cycle/i);
    const runs = await box.run(['runs', '--json']);
    assert.deepEqual(parseJson(runs.stdout).runs, []);
  });

  it('not JSON, a missing file, a missing step file and a symlink out of the project: exit 2 with the fix', async () => {
    box.file('broken.orchest', '{"name": "x", ');
    const broken = await box.run(['validate', 'broken.orchest']);
    assert.equal(broken.code, 2);
    assert.match(broken.stderr, /not valid JSON/);

    const missing = await box.run(['run', 'nope.orchest']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /pipeline file not found/);

    mkdirSync(join(box.root, 'elsewhere'), { recursive: true });
    box.file('../elsewhere/evil.sh', 'echo escaped\n');
    symlinkSync(join(box.root, 'elsewhere', 'evil.sh'), join(box.project, 'steps', 'link.sh'));
    writePipeline(box, 'files.orchest', pipeline('files', [
      { title: 'Gone', file: 'steps/gone.sh' },
      { title: 'Link', file: 'steps/link.sh' },
    ]));
    const res = await box.run(['run', 'files.orchest']);
    assert.equal(res.code, 2);
    assert.match(res.stderr, /steps\/gone\.sh does not exist/);
    assert.match(res.stderr, /resolves outside the project/);
    assert.doesNotMatch(res.stderr, NO_STACK);
  });

  it('bad flags and unknown commands: exit 2 naming the flag', async () => {
    const flag = await box.run(['run', 'x.orchest', '--bogus']);
    assert.equal(flag.code, 2);
    assert.match(flag.stderr, /--bogus/);
    const cmd = await box.run(['frobnicate']);
    assert.equal(cmd.code, 2);
    assert.match(cmd.stderr, /unknown command "frobnicate"/);
    const param = await box.run(['run', 'x.orchest', '--param', 'novalue']);
    assert.equal(param.code, 2);
    assert.match(param.stderr, /--param "novalue" is not KEY=VALUE/);
  });
});
