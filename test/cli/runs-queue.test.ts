import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, it } from 'node:test';
import { collect, parseJson, pipeline, Sandbox, writePipeline } from '../helpers/berth-cli.ts';
import { eventually } from '../helpers/eventually.ts';

describe('runs: history, queueing and recovery', () => {
  const box = new Sandbox();
  after(() => box.cleanup());
  // Gated steps: they wait for a file the test creates, so no timing decides what the test sees.
  const gate = (name: string): string => `while [ ! -e "$BERTH_DATA_DIR/${name}" ]; do sleep 0.05; done\n`;
  const open = (name: string): void => writeFileSync(join(box.home, 'data', name), '');
  box.file('steps/slow.sh', `echo "start $BERTH_RUN_UUID" >> "$BERTH_DATA_DIR/trace"\n${gate('go')}echo "end $BERTH_RUN_UUID" >> "$BERTH_DATA_DIR/trace"\n`);
  writePipeline(box, 'q.orchest', pipeline('q', [{ title: 'Slow', file: 'steps/slow.sh' }]));

  it('two interactive runs of one pipeline run one after the other, in order', async () => {
    const first = collect(box.spawn(['run', 'q.orchest', '--json']));
    await eventually('the first run to start', () => existsSync(join(box.home, 'data', 'trace')), 20_000);
    const second = collect(box.spawn(['run', 'q.orchest', '--json']));
    // The second run exists and waits while the first one's step is held at its gate.
    const statuses = async (): Promise<string[]> => parseJson((await box.run(['runs', '--json'])).stdout).runs.map((r: any) => r.status);
    await eventually('the second run to wait in the queue', async () => {
      const s = await statuses();
      return s.length === 2 && s.includes('PENDING');
    }, 20_000);
    open('go');
    const [a, b] = await Promise.all([first, second]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(b.code, 0, b.stderr);
    assert.match(b.stderr, /Queued/);
    const ra = parseJson(a.stdout).run.uuid;
    const rb = parseJson(b.stdout).run.uuid;
    const trace = readFileSync(join(box.home, 'data', 'trace'), 'utf8').trim().split('\n');
    assert.deepEqual(trace, [`start ${ra}`, `end ${ra}`, `start ${rb}`, `end ${rb}`]);
  });

  it('lists runs newest first (--json and table) and shows one run', async () => {
    const list = await box.run(['runs', '--json']);
    assert.equal(list.code, 0);
    const runs = parseJson(list.stdout).runs;
    assert.equal(runs.length, 2);
    assert.ok(runs[0].created_at >= runs[1].created_at);
    assert.equal(runs[0].pipeline.name, 'q');
    const table = await box.run(['runs']);
    assert.match(table.stdout, /^RUN\s+PIPELINE\s+TYPE\s+STATUS/m);
    assert.match(table.stdout, new RegExp(runs[0].uuid.slice(0, 8)));
    const show = await box.run(['runs', 'show', runs[0].uuid, '--json']);
    assert.equal(parseJson(show.stdout).steps[0].title, 'Slow');
    const unknown = await box.run(['runs', 'show', 'abcdef12']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /no run abcdef12/);
  });

  it('berth logs -f follows a step until it ends', async () => {
    box.file('steps/ticks.sh', `echo "tick 1"\n${gate('ticks-go')}echo "tick 2"\necho "tick 3"\n`);
    writePipeline(box, 'ticks.orchest', pipeline('ticks', [{ title: 'Ticks', file: 'steps/ticks.sh' }], { uuid: '88888888-2222-4333-8444-555555555555' }));
    const runner = collect(box.spawn(['run', 'ticks.orchest', '--json']));
    const runUuid: string = await eventually('the run to start', async () => {
      const runs = parseJson((await box.run(['runs', '--json'])).stdout).runs;
      return runs.find((r: any) => r.pipeline.name === 'ticks' && r.status === 'STARTED')?.uuid as string | undefined;
    }, 20_000);
    // The step is held at its gate until the follow runs, so what follows arrives while it follows.
    const following = collect(box.spawn(['logs', runUuid, 'Ticks', '-f']));
    await sleep(300);
    open('ticks-go');
    const follow = await following;
    assert.equal(follow.code, 0, follow.stderr);
    assert.equal(follow.stdout, 'tick 1\ntick 2\ntick 3\n');
    assert.equal((await runner).code, 0);
  });

  it('a run whose berth process was killed is marked FAILURE and its steps are stopped', async () => {
    box.file('steps/forever.sh', 'echo $$ > "$BERTH_DATA_DIR/forever.pid"\nexec sleep 120\n');
    writePipeline(box, 'crash.orchest', pipeline('crash', [{ title: 'Forever', file: 'steps/forever.sh' }], { uuid: '99999999-2222-4333-8444-555555555555' }));
    const runner = box.spawn(['run', 'crash.orchest']);
    const done = collect(runner);
    const pidFile = join(box.home, 'data', 'forever.pid');
    await eventually('the step to start', () => existsSync(pidFile), 20_000);
    const stepPid = Number(readFileSync(pidFile, 'utf8'));
    runner.kill('SIGKILL');
    await done;
    const list = parseJson((await box.run(['runs', '--json'])).stdout).runs;
    const crashed = list.find((r: any) => r.pipeline.name === 'crash');
    assert.equal(crashed.status, 'FAILURE');
    assert.match(crashed.reason, /exited before it ended/);
    await eventually('the orphaned step to be stopped', () => {
      try {
        process.kill(stepPid, 0);
        return false;
      } catch {
        return true;
      }
    }, 30_000);
  });
});
