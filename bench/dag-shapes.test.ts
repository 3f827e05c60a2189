/** Structural checks of the benchmark generators (no timing). Run: node --test bench/*.test.ts */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chain, dagStats, handOffShapes, planningShapes, randomDag, wide } from './dag-shapes.ts';
import { stepDelays, launchGaps } from './lib/handoff-metrics.ts';
import { makefile, parseStepMarkers, pipelineJson, stepScript } from './lib/project.ts';

test('the hand-off shapes have 500 steps, parents only among earlier steps', () => {
  for (const dag of handOffShapes()) {
    assert.equal(dag.titles.length, 500, dag.name);
    dag.parents.forEach((ps, i) => ps.forEach((p) => assert.ok(p >= 0 && p < i, `${dag.name} step ${i} parent ${p}`)));
  }
});

test('chain and wide have the expected structure', () => {
  assert.deepEqual(dagStats(chain(500)), { steps: 500, edges: 499, roots: 1, sinks: 1, depth: 500 });
  assert.deepEqual(dagStats(wide(500)), { steps: 500, edges: 996, roots: 1, sinks: 1, depth: 3 });
});

test('random DAG: 0–3 distinct parents, deterministic per seed', () => {
  const a = randomDag(500, 7);
  assert.deepEqual(a, randomDag(500, 7));
  assert.notDeepEqual(a.parents, randomDag(500, 8).parents);
  for (const ps of a.parents) {
    assert.ok(ps.length <= 3);
    assert.equal(new Set(ps).size, ps.length);
  }
  const counts = [0, 1, 2, 3].map((k) => a.parents.filter((ps) => ps.length === k).length);
  assert.ok(counts.every((c) => c > 50), `every parent count occurs: ${counts.join(',')}`);
});

test('planning shapes have 10,000 steps', () => {
  assert.deepEqual(planningShapes().map((d) => d.titles.length), [10_000, 10_000]);
});

test('pipeline file and Makefile express the same DAG', () => {
  const dag = randomDag(30, 3);
  const file = pipelineJson(dag, 2) as { settings: { max_steps_parallelism: number }; steps: Record<string, { title: string; file_path: string; incoming_connections: string[] }> };
  assert.equal(file.settings.max_steps_parallelism, 2);
  const titleOf = new Map(Object.entries(file.steps).map(([uuid, s]) => [uuid, s.title]));
  const mk = makefile(dag);
  for (const [i, title] of dag.titles.entries()) {
    const step = Object.values(file.steps).find((s) => s.title === title)!;
    assert.equal(step.file_path, `steps/${title}.sh`);
    const parents = dag.parents[i]!.map((p) => dag.titles[p]);
    assert.deepEqual(step.incoming_connections.map((u) => titleOf.get(u)), parents);
    assert.ok(mk.includes(`\n${title}:${parents.length ? ` ${parents.join(' ')}` : ''}\n\tbash steps/${title}.sh\n`), title);
  }
  assert.match(mk, /^\.PHONY: all s1 s2 /m);
});

test('step markers parse and feed the delay metrics', () => {
  assert.match(stepScript('s1'), /EPOCHREALTIME/);
  const markers = parseStepMarkers('x\nbench-step s1 1700000000.000500\nbench-step s2 1700000000,010500\n');
  assert.deepEqual([...markers], [['s1', 1700000000000.5], ['s2', 1700000000010.5]]);
  const dag = chain(2);
  assert.deepEqual(launchGaps(dag, markers), [10]);
  const iso = (ms: number) => new Date(1700000000000 + ms).toISOString();
  const report = {
    run: { uuid: 'r', status: 'SUCCESS', run_type: 'full' },
    steps: [
      { uuid: 'a', title: 's1', status: 'SUCCESS', started_at: iso(0), finished_at: iso(4), exit_code: 0 },
      { uuid: 'b', title: 's2', status: 'SUCCESS', started_at: iso(7), finished_at: iso(12), exit_code: 0 },
    ],
  };
  assert.deepEqual(stepDelays(dag, report, markers), { handOff: [3], dispatch: [3], spawn: [0.5, 3.5], exit: [3.5, 1.5] });
});
