import dagre from '@dagrejs/dagre';
import type { Edge, Node } from '@xyflow/react';
import type { PipelineDefinition, PipelineStep } from '../../../src/core/pipeline-types.ts';

export type Pipeline = PipelineDefinition;
export type StepStatus = { status: string; started_at?: string | null; finished_at?: string | null };
export type StepNodeData = { title: string; file: string; status?: StepStatus; problems: number };
export type StepNode = Node<StepNodeData, 'step'>;

const WIDTH = 200;
const HEIGHT = 64;
/** A step node's drawn size (flow units), for layout and for bringing a node into view. */
export const NODE_SIZE = { width: WIDTH, height: HEIGHT } as const;

/**
 * Positions for the graph: a step's `meta_data.position` when the file has distinct ones; when any
 * is missing or they all coincide (files written by other tools), a left-to-right layered layout.
 */
export function positions(p: Pipeline): Map<string, { x: number; y: number }> {
  const steps = Object.entries(p.steps);
  const given = steps.map(([, s]) => s.meta_data?.position);
  const distinct = new Set(given.map((g) => (g ? `${g[0]},${g[1]}` : 'none')));
  const out = new Map<string, { x: number; y: number }>();
  if (given.every((g) => Array.isArray(g) && typeof g[0] === 'number' && typeof g[1] === 'number') && (distinct.size === steps.length || steps.length <= 1)) {
    for (const [key, s] of steps) out.set(key, { x: s.meta_data!.position![0], y: s.meta_data!.position![1] });
    return out;
  }
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: 'LR', nodesep: 30, ranksep: 80 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const [key] of steps) g.setNode(key, { width: WIDTH, height: HEIGHT });
  for (const [key, s] of steps) for (const from of s.incoming_connections) if (p.steps[from] && from !== key) g.setEdge(from, key);
  dagre.layout(g);
  for (const [key] of steps) {
    const n = g.node(key);
    out.set(key, { x: Math.round(n.x - WIDTH / 2), y: Math.round(n.y - HEIGHT / 2) });
  }
  return out;
}

/** The pipeline with every step's position written into `meta_data.position` (what Orchest stores). */
export function withPositions(p: Pipeline): Pipeline {
  const at = positions(p);
  const steps: Record<string, PipelineStep> = {};
  for (const [key, s] of Object.entries(p.steps)) {
    const xy = at.get(key)!;
    steps[key] = { ...s, meta_data: { ...s.meta_data, hidden: s.meta_data?.hidden ?? false, position: [xy.x, xy.y] } };
  }
  return { ...p, steps };
}

export function toNodes(p: Pipeline, statuses: Record<string, StepStatus>, problemsByStep: Map<string, number>, selected: Set<string>): StepNode[] {
  return Object.entries(p.steps).map(([key, s]) => ({
    id: key,
    type: 'step',
    position: { x: s.meta_data?.position?.[0] ?? 0, y: s.meta_data?.position?.[1] ?? 0 },
    selected: selected.has(key),
    ariaLabel: `Step ${s.title}`,
    data: { title: s.title, file: s.file_path, status: statuses[key], problems: problemsByStep.get(key) ?? 0 },
  }));
}

/** The connections; those on a cycle are marked (class `edge-problem`, and said in their name). */
export function toEdges(p: Pipeline): Edge[] {
  const cyclic = cycleEdges(p);
  return Object.entries(p.steps).flatMap(([key, s]) =>
    s.incoming_connections.filter((from) => p.steps[from]).map((from) => {
      const id = `${from}->${key}`;
      const bad = cyclic.has(id);
      return { id, source: from, target: key, ariaLabel: `Connection ${p.steps[from]!.title} to ${s.title}${bad ? ' (part of a cycle)' : ''}`, ...(bad ? { className: 'edge-problem', animated: true } : {}) };
    }),
  );
}

/** Every step reachable from `start` by following connections forward (its descendants). */
export function descendants(p: Pipeline, start: string): Set<string> {
  const children = new Map<string, string[]>();
  for (const [key, s] of Object.entries(p.steps)) for (const from of s.incoming_connections) children.set(from, [...(children.get(from) ?? []), key]);
  const seen = new Set<string>();
  const todo = [...(children.get(start) ?? [])];
  while (todo.length > 0) {
    const next = todo.pop()!;
    if (seen.has(next)) continue;
    seen.add(next);
    todo.push(...(children.get(next) ?? []));
  }
  return seen;
}

/** Whether connecting `from` → `to` would make a cycle (or a self-loop). */
export function makesCycle(p: Pipeline, from: string, to: string): boolean {
  return from === to || descendants(p, to).has(from);
}

/** The ids (`from->to`) of the connections that lie on a cycle: `to` leads back to `from`. */
export function cycleEdges(p: Pipeline): Set<string> {
  const out = new Set<string>();
  const memo = new Map<string, Set<string>>();
  const below = (k: string) => memo.get(k) ?? (memo.set(k, descendants(p, k)), memo.get(k)!);
  for (const [key, s] of Object.entries(p.steps)) {
    for (const from of s.incoming_connections) if (p.steps[from] && (from === key || below(key).has(from))) out.add(`${from}->${key}`);
  }
  return out;
}

export function connect(p: Pipeline, from: string, to: string): Pipeline {
  const target = p.steps[to];
  if (!target || !p.steps[from] || target.incoming_connections.includes(from) || makesCycle(p, from, to)) return p;
  return { ...p, steps: { ...p.steps, [to]: { ...target, incoming_connections: [...target.incoming_connections, from] } } };
}

export function disconnect(p: Pipeline, from: string, to: string): Pipeline {
  const target = p.steps[to];
  if (!target) return p;
  return { ...p, steps: { ...p.steps, [to]: { ...target, incoming_connections: target.incoming_connections.filter((u) => u !== from) } } };
}

export function removeSteps(p: Pipeline, uuids: Set<string>): Pipeline {
  const steps: Record<string, PipelineStep> = {};
  for (const [key, s] of Object.entries(p.steps)) {
    if (!uuids.has(key)) steps[key] = { ...s, incoming_connections: s.incoming_connections.filter((u) => !uuids.has(u)) };
  }
  return { ...p, steps };
}

/**
 * A free place for a new step as near `at` (the middle of the view) as possible: the nearest spot on
 * a grid around it where a step's box, with a margin, overlaps no other step. Below the others without `at`.
 */
export function freeSpot(p: Pipeline, at?: { x: number; y: number }): { x: number; y: number } {
  const boxes = Object.values(p.steps).map((s): [number, number] => [s.meta_data?.position?.[0] ?? 0, s.meta_data?.position?.[1] ?? 0]);
  const x0 = at ? Math.round(at.x - WIDTH / 2) : 40;
  const y0 = at ? Math.round(at.y - HEIGHT / 2) : Math.max(0, ...boxes.map(([, y]) => y + HEIGHT + 40));
  const margin = 24;
  const free = (x: number, y: number) => boxes.every(([bx, by]) => x + WIDTH + margin <= bx || bx + WIDTH + margin <= x || y + HEIGHT + margin <= by || by + HEIGHT + margin <= y);
  const dx = WIDTH + margin;
  const dy = HEIGHT + margin;
  for (let ring = 0; ring <= 60; ring++) {
    const spots: Array<[number, number]> = [];
    for (let i = -ring; i <= ring; i++) for (let j = -ring; j <= ring; j++) if (Math.max(Math.abs(i), Math.abs(j)) === ring) spots.push([x0 + i * dx, y0 + j * dy]);
    spots.sort((a, b) => Math.hypot(a[0] - x0, a[1] - y0) - Math.hypot(b[0] - x0, b[1] - y0));
    const hit = spots.find(([x, y]) => free(x, y));
    if (hit) return { x: hit[0], y: hit[1] };
  }
  return { x: x0, y: Math.max(0, ...boxes.map(([, y]) => y + HEIGHT + 40)) };
}

/** A new step in free space near `at` (the middle of the view), with the first step's environment and kernel. */
export function addStep(p: Pipeline, uuid: string, at?: { x: number; y: number }): Pipeline {
  const steps = Object.values(p.steps);
  const { x, y } = freeSpot(p, at);
  const environment = steps[0]?.environment ?? '';
  const step: PipelineStep = {
    uuid, title: `Step ${steps.length + 1}`, file_path: '', incoming_connections: [], environment,
    kernel: steps[0]?.kernel ?? { name: 'python', display_name: 'Python 3' }, parameters: {}, meta_data: { hidden: false, position: [x, y] },
  };
  return { ...p, steps: { ...p.steps, [uuid]: step } };
}

export function moveStep(p: Pipeline, uuid: string, x: number, y: number): Pipeline {
  const s = p.steps[uuid];
  if (!s) return p;
  return { ...p, steps: { ...p.steps, [uuid]: { ...s, meta_data: { ...s.meta_data, hidden: s.meta_data?.hidden ?? false, position: [Math.round(x), Math.round(y)] } } } };
}

export function updateStep(p: Pipeline, uuid: string, patch: Partial<PipelineStep>): Pipeline {
  const s = p.steps[uuid];
  if (!s) return p;
  return { ...p, steps: { ...p.steps, [uuid]: { ...s, ...patch } } };
}
