import { BerthError } from '../errors.ts';

/**
 * Pure helpers on a step graph given as each node's parents (the steps it runs after), in the
 * map's insertion order. The nodes are the map's keys; a parent that is not a key is outside the
 * graph and ignored. All are iterative (a 10,000-step chain does not overflow the stack) and run in
 * time linear in nodes + edges.
 */
export type ParentMap = ReadonlyMap<string, readonly string[]>;

const VISITING = 1;
const DONE = 2;

/**
 * Depth-first over parents, roots in insertion order and parents in listed order. Emits each node
 * after all its ancestors; stops at the first cycle.
 */
function walk(parents: ParentMap): { order: string[]; cycle: string[] | null } {
  const state = new Map<string, number>();
  const order: string[] = [];
  const stack: string[] = [];
  const cursor: number[] = [];
  for (const root of parents.keys()) {
    if (state.has(root)) continue;
    state.set(root, VISITING);
    stack.push(root);
    cursor.push(0);
    while (stack.length > 0) {
      const top = stack.length - 1;
      const node = stack[top]!;
      const nodeParents = parents.get(node) ?? [];
      const i = cursor[top]!;
      if (i < nodeParents.length) {
        cursor[top] = i + 1;
        const parent = nodeParents[i]!;
        if (!parents.has(parent)) continue;
        const seen = state.get(parent);
        if (seen === undefined) {
          state.set(parent, VISITING);
          stack.push(parent);
          cursor.push(0);
        } else if (seen === VISITING) {
          return { order, cycle: cycleOnStack(parents, stack, parent) };
        }
      } else {
        state.set(node, DONE);
        order.push(node);
        stack.pop();
        cursor.pop();
      }
    }
  }
  return { order, cycle: null };
}

/**
 * The stack holds a path where each node is a parent of the one before it; `parent` is on it and is a
 * parent of the top. Returns the cycle in run order (each node a parent of the next), starting at the
 * node that comes first in the map, with that node repeated at the end.
 */
function cycleOnStack(parents: ParentMap, stack: string[], parent: string): string[] {
  const cycle = stack.slice(stack.lastIndexOf(parent)).reverse();
  const position = new Map<string, number>();
  let i = 0;
  for (const key of parents.keys()) position.set(key, i++);
  let start = 0;
  for (let j = 1; j < cycle.length; j++) if (position.get(cycle[j]!)! < position.get(cycle[start]!)!) start = j;
  const rotated = [...cycle.slice(start), ...cycle.slice(0, start)];
  rotated.push(rotated[0]!);
  return rotated;
}

/** One cycle as node ids in run order, the first repeated at the end (`[a, b, a]`), or null when there is none. */
export function findCycle(parents: ParentMap): string[] | null {
  return walk(parents).cycle;
}

/**
 * Every node after all of its parents. Deterministic and stable: nodes come in insertion order except
 * where a parent has to move ahead of its child, so a map already in a valid order comes back unchanged.
 * Throws BERTH_E_INVALID_PIPELINE when the graph has a cycle.
 */
export function topologicalOrder(parents: ParentMap): string[] {
  const { order, cycle } = walk(parents);
  if (cycle) {
    throw new BerthError('BERTH_E_INVALID_PIPELINE', `the steps form a cycle: ${cycle.join(' → ')}`, { details: { cycle } });
  }
  return order;
}

/**
 * Everything upstream of `ids`: their parents, their parents' parents… An id is included only when
 * it is upstream of another id (or of itself, in a cycle).
 */
export function ancestors(parents: ParentMap, ids: Iterable<string>): Set<string> {
  return reachable(parents, ids);
}

/**
 * Everything downstream of `ids`: their children, their children's children… An id is included only
 * when it is downstream of another id.
 */
export function descendants(parents: ParentMap, ids: Iterable<string>): Set<string> {
  const children = new Map<string, string[]>();
  for (const key of parents.keys()) children.set(key, []);
  for (const [child, nodeParents] of parents) {
    for (const parent of nodeParents) children.get(parent)?.push(child);
  }
  return reachable(children, ids);
}

function reachable(edges: ParentMap, ids: Iterable<string>): Set<string> {
  const found = new Set<string>();
  const queue = [...ids].filter((id) => edges.has(id));
  for (let i = 0; i < queue.length; i++) {
    for (const next of edges.get(queue[i]!) ?? []) {
      if (!edges.has(next) || found.has(next)) continue;
      found.add(next);
      queue.push(next);
    }
  }
  return found;
}
