/**
 * Pure generators for the DAG shapes the benchmarks run. A DAG is a list of steps by index;
 * `parents[i]` lists indices < i, so index order is always a topological order.
 */

export interface Dag {
  /** chain-500, wide-500, random-500, ... */
  name: string;
  /** Step titles: s1 … sN (also the Makefile target and step file names). */
  titles: string[];
  parents: number[][];
}

export const DEFAULT_SEED = 42;

/** s1 → s2 → … → sN. */
export function chain(n: number): Dag {
  const parents = Array.from({ length: n }, (_, i) => (i === 0 ? [] : [i - 1]));
  return { name: `chain-${n}`, titles: titlesFor(n), parents };
}

/** One root → n-2 independent steps → one sink (n ≥ 3). */
export function wide(n: number): Dag {
  if (n < 3) throw new RangeError(`wide needs at least 3 steps, got ${n}`);
  const middle = Array.from({ length: n - 2 }, (_, i) => i + 1);
  const parents = Array.from({ length: n }, (_, i) => (i === 0 ? [] : i === n - 1 ? middle : [0]));
  return { name: `wide-${n}`, titles: titlesFor(n), parents };
}

/** Each step gets 0–3 distinct parents drawn uniformly among the earlier steps (deterministic for a seed). */
export function randomDag(n: number, seed: number = DEFAULT_SEED): Dag {
  const rand = mulberry32(seed);
  const parents: number[][] = [];
  for (let i = 0; i < n; i++) {
    const want = Math.min(i, Math.floor(rand() * 4));
    const chosen = new Set<number>();
    // Distinct draws among i candidates; want ≤ 3 ≤ i, so a few extra tries always suffice.
    for (let tries = 0; chosen.size < want && tries < 64; tries++) chosen.add(Math.floor(rand() * i));
    parents.push([...chosen].sort((a, b) => a - b));
  }
  return { name: `random-${n}`, titles: titlesFor(n), parents };
}

/** The three 500-step hand-off shapes. */
export function handOffShapes(n = 500, seed = DEFAULT_SEED): Dag[] {
  return [chain(n), wide(n), randomDag(n, seed)];
}

/** The large shapes for the planning benchmark. */
export function planningShapes(n = 10_000, seed = DEFAULT_SEED): Dag[] {
  return [chain(n), randomDag(n, seed)];
}

export interface DagStats {
  steps: number;
  edges: number;
  roots: number;
  sinks: number;
  /** Steps on the longest path. */
  depth: number;
}

export function dagStats(dag: Dag): DagStats {
  const level: number[] = [];
  const hasChild = new Array<boolean>(dag.parents.length).fill(false);
  let edges = 0;
  for (const [i, ps] of dag.parents.entries()) {
    edges += ps.length;
    let l = 1;
    for (const p of ps) {
      l = Math.max(l, (level[p] ?? 0) + 1);
      hasChild[p] = true;
    }
    level[i] = l;
  }
  return {
    steps: dag.parents.length,
    edges,
    roots: dag.parents.filter((ps) => ps.length === 0).length,
    sinks: hasChild.filter((c) => !c).length,
    depth: Math.max(0, ...level),
  };
}

/** Deterministic 32-bit PRNG (mulberry32): numbers in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function titlesFor(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `s${i + 1}`);
}
