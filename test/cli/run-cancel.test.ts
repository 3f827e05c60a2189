import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { collect, parseJson, pipeline, Sandbox, writePipeline } from '../helpers/berth-cli.ts';
import { eventually } from '../helpers/eventually.ts';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('cancellation', () => {
  const box = new Sandbox();
  after(() => box.cleanup());
  // The step starts a background grandchild, records both pids, and ignores nothing: SIGTERM ends it.
  box.file('steps/long.sh', [
    'sleep 60 &',
    'echo $! > "$BERTH_DATA_DIR/$ORCHEST_STEP_UUID.child"',
    'echo $$ > "$BERTH_DATA_DIR/$ORCHEST_STEP_UUID.pid"',
    'wait',
  ].join('\n'));
  // This one ignores SIGTERM: it must be killed after the grace period.
  box.file('steps/stubborn.sh', "trap '' TERM\necho $$ > \"$BERTH_DATA_DIR/stubborn.pid\"\nwhile true; do sleep 0.2; done\n");
  box.file('steps/ok.sh', 'exit 0\n');
  writePipeline(box, 'long.orchest', pipeline('long', [
    { title: 'Long', file: 'steps/long.sh' },
    { title: 'Stubborn', file: 'steps/stubborn.sh' },
    { title: 'Next', file: 'steps/ok.sh', parents: ['Long'] },
  ]));
  const data = join(box.home, 'data');
  const longUuid = '00000000-0000-4000-8000-000000000001';

  it('berth cancel from another process stops the whole process group and marks steps ABORTED', async () => {
    const runner = box.spawn(['run', 'long.orchest', '--json']);
    const done = collect(runner);
    await eventually('steps to start', () => existsSync(join(data, `${longUuid}.child`)) && existsSync(join(data, 'stubborn.pid')), 20_000);
    const child = Number(readFileSync(join(data, `${longUuid}.child`), 'utf8'));
    const stubborn = Number(readFileSync(join(data, 'stubborn.pid'), 'utf8'));
    const runs = parseJson((await box.run(['runs', '--json'])).stdout).runs;
    assert.equal(runs[0].status, 'STARTED');
    const cancel = await box.run(['cancel', runs[0].uuid.slice(0, 8)]);
    assert.equal(cancel.code, 0, cancel.stderr);
    assert.match(cancel.stdout, /cancelled/);
    const res = await done;
    assert.equal(res.code, 1);
    const report = parseJson(res.stdout);
    assert.equal(report.run.status, 'ABORTED');
    assert.deepEqual(report.steps.map((s: any) => s.status), ['ABORTED', 'ABORTED', 'ABORTED']);
    await eventually('the grandchild and the TERM-ignoring step to be gone', () => !alive(child) && !alive(stubborn), 10_000);
    // End states never change: cancelling again is a no-op that says so.
    const again = await box.run(['cancel', runs[0].uuid]);
    assert.equal(again.code, 0);
    assert.match(again.stdout, /already ended \(ABORTED\)/);
  });

  it('Ctrl-C (SIGINT) on berth run cancels the run and exits 1', async () => {
    const runner = box.spawn(['run', 'long.orchest']);
    const done = collect(runner);
    const pidFile = join(data, `${longUuid}.pid`);
    const before = existsSync(pidFile) ? readFileSync(pidFile, 'utf8') : '';
    await eventually('the step of this run to start', () => existsSync(pidFile) && readFileSync(pidFile, 'utf8') !== before, 20_000);
    runner.kill('SIGINT');
    const res = await done;
    assert.equal(res.code, 1);
    assert.match(res.stderr, /Cancelling/);
    assert.match(res.stdout, /ABORTED/);
    const latest = parseJson((await box.run(['runs', '--json', '--limit', '1'])).stdout).runs[0];
    assert.equal(latest.status, 'ABORTED');
  });
});
