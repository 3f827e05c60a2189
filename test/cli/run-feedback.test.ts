import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { parseJson, pipeline, Sandbox, writePipeline } from '../helpers/berth-cli.ts';

describe('berth run: feedback while it runs and when it fails', () => {
  const box = new Sandbox();
  after(() => box.cleanup());
  box.file('steps/fetch.sh', 'echo fetching; sleep 0.3; echo fetched\n');
  box.file('steps/train.sh', 'for i in $(seq 1 40); do echo "epoch $i"; done; echo "out of memory" >&2; exit 3\n');
  box.file('steps/side.sh', 'echo side one; echo side two\n');
  writePipeline(box, 'feedback.orchest', pipeline('feedback', [
    { title: 'Fetch data', file: 'steps/fetch.sh' },
    { title: 'Train', file: 'steps/train.sh', parents: ['Fetch data'] },
    { title: 'Side', file: 'steps/side.sh' },
  ]));

  it('a line per state change with durations (plain, not a terminal); on failure the last lines of the log and the logs command', async () => {
    const res = await box.run(['run', 'feedback.orchest']);
    assert.equal(res.code, 1);
    assert.doesNotMatch(res.stdout + res.stderr, /\u001b\[/, 'no colour codes when not a terminal');
    assert.match(res.stderr, /^ {2}▶ Fetch data$/m);
    assert.match(res.stderr, /^ {2}✔ Fetch data \d+\.\d\ds$/m);
    assert.match(res.stderr, /^ {2}✘ Train \d+\.\d\ds FAILURE: exited with code 3$/m);
    const run = /^Run ([0-9a-f-]{36}) FAILURE/m.exec(res.stdout)?.[1];
    assert.ok(run, res.stdout);
    assert.match(res.stdout, /^✘ Train exited with code 3\. The last 15 lines of its log:\n {2}│ epoch 27\n[\s\S]* {2}│ epoch 40\n {2}│ out of memory\n {2}All of it: berth logs [0-9a-f]{8} Train\n/m);
    assert.doesNotMatch(res.stdout, /│ epoch 26\n/);
    const logs = await box.run(['logs', run.slice(0, 8), 'Train']);
    assert.match(logs.stdout, /^epoch 1\n/);
  });

  it('--json is unchanged: one JSON object on stdout, nothing else', async () => {
    const res = await box.run(['run', 'feedback.orchest', '--json']);
    assert.equal(res.code, 1);
    const report = parseJson(res.stdout);
    assert.equal(report.run.status, 'FAILURE');
    assert.equal(res.stdout.trim().split('\n').length, 1);
    assert.equal(res.stderr, '');
  });

  it('-f/--follow streams every step\'s output prefixed by its title; refuses --json', async () => {
    const res = await box.run(['run', 'feedback.orchest', '-f']);
    assert.equal(res.code, 1);
    const lines = res.stdout.split('\n');
    const of = (title: string) => lines.filter((l) => l.startsWith(`${title} | `)).map((l) => l.slice(title.length + 3));
    assert.deepEqual(of('Fetch data'), ['fetching', 'fetched']);
    assert.deepEqual(of('Side'), ['side one', 'side two']);
    assert.equal(of('Train').length, 41);
    assert.equal(of('Train')[40], 'out of memory');
    assert.ok(lines.findIndex((l) => l.startsWith('Run ')) > lines.findIndex((l) => l === 'Train | out of memory'), 'the summary comes after the output');
    const both = await box.run(['run', 'feedback.orchest', '-f', '--json']);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /--follow and --json/);
  });
});
