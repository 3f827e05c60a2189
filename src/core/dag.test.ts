import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isBerthError } from '../errors.ts';
import { ancestors, descendants, findCycle, topologicalOrder } from './dag.ts';

const graph = (entries: Record<string, string[]>) => new Map(Object.entries(entries));

/** a → b → d, a → c → d, e alone */
const diamond = graph({ d: ['b', 'c'], b: ['a'], c: ['a'], a: [], e: [] });

describe('findCycle', () => {
  test('returns null for a DAG', () => {
    assert.equal(findCycle(diamond), null);
    assert.equal(findCycle(new Map()), null);
  });

  test('returns the cycle in run order, starting at the first node in the map, repeated at the end', () => {
    // a runs after c, b after a, c after b: a → b → c → a
    assert.deepEqual(findCycle(graph({ x: [], a: ['c'], b: ['a'], c: ['b'] })), ['a', 'b', 'c', 'a']);
    assert.deepEqual(findCycle(graph({ c: ['b'], b: ['a'], a: ['c'] })), ['c', 'a', 'b', 'c']);
  });

  test('finds a self-loop and a cycle hanging below an acyclic part', () => {
    assert.deepEqual(findCycle(graph({ a: ['a'] })), ['a', 'a']);
    assert.deepEqual(findCycle(graph({ root: [], top: ['root', 'q'], p: ['q'], q: ['p'] })), ['p', 'q', 'p']);
  });

  test('ignores parents that are not nodes', () => {
    assert.equal(findCycle(graph({ a: ['ghost'] })), null);
  });
});

describe('topologicalOrder', () => {
  test('puts every node after its parents, keeping insertion order where possible', () => {
    assert.deepEqual(topologicalOrder(diamond), ['a', 'b', 'c', 'd', 'e']);
  });

  test('returns an already valid order unchanged', () => {
    const ordered = graph({ a: [], z: [], b: ['a'], y: ['z', 'b'], c: [] });
    assert.deepEqual(topologicalOrder(ordered), ['a', 'z', 'b', 'y', 'c']);
  });

  test('throws BERTH_E_INVALID_PIPELINE naming the cycle', () => {
    assert.throws(
      () => topologicalOrder(graph({ a: ['b'], b: ['a'] })),
      (e: unknown) => isBerthError(e) && e.code === 'BERTH_E_INVALID_PIPELINE' && e.message.includes('a → b → a'),
    );
  });
});

describe('ancestors and descendants', () => {
  test('ancestors are everything upstream, not the ids themselves', () => {
    assert.deepEqual(ancestors(diamond, ['d']), new Set(['b', 'c', 'a']));
    assert.deepEqual(ancestors(diamond, ['b']), new Set(['a']));
    assert.deepEqual(ancestors(diamond, ['a', 'e']), new Set());
  });

  test('an id upstream of another id is included', () => {
    assert.deepEqual(ancestors(diamond, ['d', 'b']), new Set(['a', 'b', 'c']));
  });

  test('descendants are everything downstream, not the ids themselves', () => {
    assert.deepEqual(descendants(diamond, ['a']), new Set(['b', 'c', 'd']));
    assert.deepEqual(descendants(diamond, ['c']), new Set(['d']));
    assert.deepEqual(descendants(diamond, ['d', 'e']), new Set());
  });

  test('unknown ids contribute nothing', () => {
    assert.deepEqual(ancestors(diamond, ['nope']), new Set());
    assert.deepEqual(descendants(diamond, ['nope']), new Set());
  });
});

describe('large graphs (iterative, no stack overflow)', () => {
  const n = 10_000;
  const chain = new Map<string, string[]>();
  // inserted children first, so the walk goes 10,000 deep
  for (let i = n - 1; i >= 0; i--) chain.set(`s${i}`, i === 0 ? [] : [`s${i - 1}`]);

  test('a 10,000-node chain', () => {
    const order = topologicalOrder(chain);
    assert.equal(order.length, n);
    assert.equal(order[0], 's0');
    assert.equal(order[n - 1], `s${n - 1}`);
    assert.equal(ancestors(chain, [`s${n - 1}`]).size, n - 1);
    assert.equal(descendants(chain, ['s0']).size, n - 1);
  });

  test('a 10,000-node ring is one cycle', () => {
    const ring = new Map(chain);
    ring.set('s0', [`s${n - 1}`]);
    const cycle = findCycle(ring);
    assert.equal(cycle?.length, n + 1);
    assert.equal(cycle?.[0], `s${n - 1}`);
    assert.equal(cycle?.[1], 's0');
  });
});
