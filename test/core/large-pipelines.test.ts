import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { findCycle } from '../../src/core/dag.ts';
import { parsePipeline, validatePipeline } from '../../src/core/pipeline-validation.ts';
import { planRun } from '../../src/core/run-planner.ts';

const N = 10_000;

/** A small deterministic PRNG (mulberry32) so the random DAG is the same on every run. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pipelineOf(parentsOf: (i: number) => number[], order: number[]): Record<string, unknown> {
  const steps: Record<string, unknown> = {};
  for (const i of order) {
    steps[`s${i}`] = { uuid: `s${i}`, title: `Step ${i}`, file_path: `steps/s${i}.py`, incoming_connections: parentsOf(i).map((p) => `s${p}`) };
  }
  return { name: 'big', uuid: 'big-1', version: '1.2.3', settings: {}, steps };
}

describe('10,000-step pipelines (no stack overflow, every step planned)', () => {
  test('a chain listed from its last step to its first', () => {
    const order = Array.from({ length: N }, (_, i) => N - 1 - i);
    const pipeline = parsePipeline(pipelineOf((i) => (i === 0 ? [] : [i - 1]), order));
    const plan = planRun(pipeline, 'full', []);
    assert.equal(plan.steps.length, N);
    assert.equal(plan.steps[0], 's0');
    assert.equal(plan.steps[N - 1], `s${N - 1}`);
    assert.equal(planRun(pipeline, 'incoming', [`s${N - 1}`]).steps.length, N - 1);
    assert.deepEqual(planRun(pipeline, 'selection', ['s5', 's6']).parents, { s5: [], s6: ['s5'] });
  });

  test('a chain closed into a ring is reported as one cycle', () => {
    const raw = pipelineOf((i) => [(i + N - 1) % N], Array.from({ length: N }, (_, i) => i));
    const { problems } = validatePipeline(raw);
    assert.equal(problems.length, 1);
    assert.match(problems[0]!.message, /^steps form a cycle: Step 0 → Step 1 → .* → Step 9999 → Step 0$/);
  });

  test('a random DAG: the plan puts every step after its parents', () => {
    const next = random(42);
    const parents = (i: number) => {
      const chosen = new Set<number>();
      const count = i === 0 ? 0 : Math.floor(next() * 4);
      for (let k = 0; k < count; k++) chosen.add(Math.floor(next() * i));
      return [...chosen];
    };
    const shuffled = Array.from({ length: N }, (_, i) => i);
    for (let i = N - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
    }
    const { pipeline, problems } = validatePipeline(pipelineOf(parents, shuffled));
    assert.deepEqual(problems, []);
    const plan = planRun(pipeline!, 'full', []);
    assert.equal(plan.steps.length, N);
    const position = new Map(plan.steps.map((uuid, i) => [uuid, i]));
    for (const [uuid, ps] of Object.entries(plan.parents)) {
      for (const p of ps) assert.ok(position.get(p)! < position.get(uuid)!, `${p} before ${uuid}`);
    }
    assert.equal(findCycle(new Map(Object.entries(plan.parents))), null);
    const incoming = planRun(pipeline!, 'incoming', [plan.steps[N - 1]!]);
    assert.ok(incoming.steps.every((uuid) => incoming.parents[uuid]!.every((p) => position.get(p)! < position.get(uuid)!)));
  });
});
