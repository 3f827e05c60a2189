import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { parseJson, pipeline, Sandbox, writePipeline } from '../helpers/berth-cli.ts';

describe('berth run: failure policies', () => {
  const box = new Sandbox();
  after(() => box.cleanup());
  box.file('steps/ok.sh', 'exit 0\n');
  box.file('steps/fail.sh', 'echo "about to fail" >&2\nexit 3\n');
  box.file('steps/slow.sh', 'sleep 1.5\n');
  box.file('steps/very-slow.sh', 'sleep 30\n');
  // F fails; X depends on F (must abort); Y depends on X (must abort); S is an independent branch.
  writePipeline(box, 'fail.orchest', pipeline('fail', [
    { title: 'F', file: 'steps/fail.sh' },
    { title: 'X', file: 'steps/ok.sh', parents: ['F'] },
    { title: 'Y', file: 'steps/ok.sh', parents: ['X'] },
    { title: 'S', file: 'steps/slow.sh' },
    { title: 'S2', file: 'steps/ok.sh', parents: ['S'] },
  ]));

  it('by default aborts only the descendants of a failed step; independent branches finish', async () => {
    const res = await box.run(['run', 'fail.orchest', '--json']);
    assert.equal(res.code, 1);
    const report = parseJson(res.stdout);
    assert.equal(report.run.status, 'FAILURE');
    assert.equal(report.run.reason, 'failed step: "F"');
    const status = Object.fromEntries(report.steps.map((s: any) => [s.title, s.status]));
    assert.deepEqual(status, { F: 'FAILURE', X: 'ABORTED', Y: 'ABORTED', S: 'SUCCESS', S2: 'SUCCESS' });
    assert.match(report.steps.find((s: any) => s.title === 'X').reason, /upstream step "F" failed/);
    const f = report.steps.find((s: any) => s.title === 'F');
    assert.equal(f.exit_code, 3);
    const x = report.steps.find((s: any) => s.title === 'X');
    assert.equal(x.started_at, null, 'an aborted step that never started has no start time');
  });

  it('--fail-fast aborts everything still pending or running at the first failure', async () => {
    writePipeline(box, 'fast.orchest', pipeline('fast', [
      { title: 'F', file: 'steps/fail.sh' },
      { title: 'Long', file: 'steps/very-slow.sh' },
      { title: 'AfterLong', file: 'steps/ok.sh', parents: ['Long'] },
    ]));
    const t0 = Date.now();
    const res = await box.run(['run', 'fast.orchest', '--fail-fast', '--json']);
    assert.equal(res.code, 1);
    assert.ok(Date.now() - t0 < 25_000, 'the 30 s step was stopped, not waited for');
    const report = parseJson(res.stdout);
    assert.equal(report.run.status, 'FAILURE');
    const status = Object.fromEntries(report.steps.map((s: any) => [s.title, s.status]));
    assert.deepEqual(status, { F: 'FAILURE', Long: 'ABORTED', AfterLong: 'ABORTED' });
  });

  it('human output names the failed step and where its log is', async () => {
    const res = await box.run(['run', 'fail.orchest']);
    assert.equal(res.code, 1);
    assert.match(res.stderr, /✘ F .*FAILURE: exited with code 3/);
    assert.match(res.stdout, /FAILURE/);
    assert.match(res.stdout, /Logs: /);
  });
});
