import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ISO_MS, parseJson, pipeline, Sandbox, writePipeline } from '../helpers/berth-cli.ts';

describe('berth run: ordering, parallelism and partial runs', () => {
  const box = new Sandbox();
  // A diamond plus an independent step: A → (B, C) → D ; E alone.
  const record = (name: string) => `echo ${name} >> "$BERTH_DATA_DIR/order.txt"\n`;
  before(() => {
    for (const n of ['A', 'B', 'C', 'D', 'E']) box.file(`steps/${n}.sh`, `sleep 0.05\n${record(n)}`);
    writePipeline(box, 'diamond.orchest', pipeline('diamond', [
      { title: 'A', file: 'steps/A.sh' },
      { title: 'B', file: 'steps/B.sh', parents: ['A'] },
      { title: 'C', file: 'steps/C.sh', parents: ['A'] },
      { title: 'D', file: 'steps/D.sh', parents: ['B', 'C'] },
      { title: 'E', file: 'steps/E.sh' },
    ]));
  });
  after(() => box.cleanup());

  const orderFile = () => join(box.home, 'data', 'order.txt');
  const readOrder = () => readFileSync(orderFile(), 'utf8').trim().split('\n');

  it('runs every step after all its parents, and prints the JSON report', async () => {
    const res = await box.run(['run', 'diamond.orchest', '--json'], { env: { BERTH_DATA_DIR: join(box.home, 'data') } });
    assert.equal(res.code, 0, res.stderr);
    const report = parseJson(res.stdout);
    assert.equal(report.run.status, 'SUCCESS');
    assert.equal(report.run.run_type, 'full');
    assert.match(report.run.uuid, /^[0-9a-f-]{36}$/);
    assert.equal(report.steps.length, 5);
    const byTitle = new Map(report.steps.map((s: any) => [s.title, s]));
    for (const s of report.steps) {
      assert.equal(s.status, 'SUCCESS');
      assert.equal(s.exit_code, 0);
      assert.match(s.started_at, ISO_MS);
      assert.match(s.finished_at, ISO_MS);
    }
    const after = (child: string, parent: string) =>
      assert.ok(Date.parse((byTitle.get(child) as any).started_at) >= Date.parse((byTitle.get(parent) as any).finished_at), `${child} started before ${parent} ended`);
    after('B', 'A');
    after('C', 'A');
    after('D', 'B');
    after('D', 'C');
    const order = readOrder();
    assert.equal(order.length, 5);
    assert.ok(order.indexOf('A') < order.indexOf('B') && order.indexOf('A') < order.indexOf('C'));
    assert.equal(order.at(-1) === 'D' || order.indexOf('D') > order.indexOf('B'), true);
  });

  it('selection runs only the chosen steps, chosen by title or uuid', async () => {
    const dataDir = join(box.root, 'data-selection');
    const res = await box.run(['run', 'diamond.orchest', '--steps', 'B,00000000-0000-4000-8000-000000000004', '--json'], { env: { BERTH_DATA_DIR: dataDir } });
    assert.equal(res.code, 0, res.stderr);
    const report = parseJson(res.stdout);
    assert.equal(report.run.run_type, 'selection');
    assert.deepEqual(report.steps.map((s: any) => s.title).sort(), ['B', 'D']);
    assert.deepEqual(readFileSync(join(dataDir, 'order.txt'), 'utf8').trim().split('\n'), ['B', 'D']);
  });

  it('incoming runs the ancestors of the chosen steps, not the steps themselves', async () => {
    const dataDir = join(box.root, 'data-incoming');
    const res = await box.run(['run', 'diamond.orchest', '--steps', 'D', '--incoming', '--json'], { env: { BERTH_DATA_DIR: dataDir } });
    assert.equal(res.code, 0, res.stderr);
    const report = parseJson(res.stdout);
    assert.equal(report.run.run_type, 'incoming');
    assert.deepEqual(report.steps.map((s: any) => s.title).sort(), ['A', 'B', 'C']);
    const order = readFileSync(join(dataDir, 'order.txt'), 'utf8').trim().split('\n');
    assert.equal(order[0], 'A');
    assert.ok(!order.includes('D') && !order.includes('E'));
  });

  it('an unknown step in --steps is invalid input (exit 2) naming the step', async () => {
    const res = await box.run(['run', 'diamond.orchest', '--steps', 'Nope']);
    assert.equal(res.code, 2);
    assert.match(res.stderr, /Nope/);
    assert.doesNotMatch(res.stderr, /\n\s+at /);
  });

  it('never runs more steps at once than settings.max_steps_parallelism', async () => {
    // Each step counts the markers of steps running at the same time and records the peak it saw.
    const probe = [
      'dir="$BERTH_DATA_DIR/running"; mkdir -p "$dir"',
      'touch "$dir/$ORCHEST_STEP_UUID"',
      'sleep 0.3',
      'ls "$dir" | wc -l >> "$BERTH_DATA_DIR/peaks.txt"',
      'rm "$dir/$ORCHEST_STEP_UUID"',
    ].join('\n');
    box.file('steps/probe.sh', probe);
    const steps = Array.from({ length: 6 }, (_, i) => ({ title: `P${i}`, file: 'steps/probe.sh' }));
    writePipeline(box, 'wide.orchest', pipeline('wide', steps, { settings: { max_steps_parallelism: 2 } }));
    const dataDir = join(box.root, 'data-wide');
    const res = await box.run(['run', 'wide.orchest', '--json'], { env: { BERTH_DATA_DIR: dataDir } });
    assert.equal(res.code, 0, res.stderr);
    const peaks = readFileSync(join(dataDir, 'peaks.txt'), 'utf8').trim().split('\n').map(Number);
    assert.equal(peaks.length, 6);
    assert.ok(Math.max(...peaks) <= 2, `peak concurrency ${Math.max(...peaks)} > 2`);
  });
});
