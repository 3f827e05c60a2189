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
  const steps = Object.values(p.steps);
  const given = steps.map((s) => s.meta_data?.position);
  const distinct = new Set(given.map((g) => (g ? `${g[0]},${g[1]}` : 'none')));
  const out = new Map<string, { x: number; y: number }>();
  if (given.every((g) => g !== undefined) && (distinct.size === steps.length || steps.length <= 1)) {
    for (const s of steps) out.set(s.uuid, { x: s.meta_data!.position![0], y: s.meta_data!.position![1] });
    return out;
  }
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: 'LR', nodesep: 30, ranksep: 80 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const s of steps) g.setNode(s.uuid, { width: WIDTH, height: HEIGHT });
  for (const s of steps) for (const from of s.incoming_connections) if (p.steps[from]) g.setEdge(from, s.uuid);
  dagre.layout(g);
  for (const s of steps) {
    const n = g.node(s.uuid);
    out.set(s.uuid, { x: Math.round(n.x - WIDTH / 2), y: Math.round(n.y - HEIGHT / 2) });
  }
  return out;
}

/** The pipeline with every step's position written into `meta_data.position` (what Orchest stores). */
export function withPositions(p: Pipeline): Pipeline {
  const at = positions(p);
  const steps: Record<string, PipelineStep> = {};
  for (const s of Object.values(p.steps)) {
    const xy = at.get(s.uuid)!;
    steps[s.uuid] = { ...s, meta_data: { ...s.meta_data, hidden: s.meta_data?.hidden ?? false, position: [xy.x, xy.y] } };
  }
  return { ...p, steps };
}

export function toNodes(p: Pipeline, statuses: Record<string, StepStatus>, problemsByStep: Map<string, number>, selected: Set<string>): StepNode[] {
  return Object.values(p.steps).map((s) => ({
    id: s.uuid,
    type: 'step',
    position: { x: s.meta_data?.position?.[0] ?? 0, y: s.meta_data?.position?.[1] ?? 0 },
    selected: selected.has(s.uuid),
    ariaLabel: `Step ${s.title}`,
    data: { title: s.title, file: s.file_path, status: statuses[s.uuid], problems: problemsByStep.get(s.uuid) ?? 0 },
  }));
}

export function toEdges(p: Pipeline): Edge[] {
  return Object.values(p.steps).flatMap((s) =>
    s.incoming_connections.filter((from) => p.steps[from]).map((from) => ({ id: `${from}->${s.uuid}`, source: from, target: s.uuid, ariaLabel: `Connection ${p.steps[from]!.title} to ${s.title}` })),
  );
}

export function connect(p: Pipeline, from: string, to: string): Pipeline {
  const target = p.steps[to];
  if (!target || from === to || target.incoming_connections.includes(from)) return p;
  return { ...p, steps: { ...p.steps, [to]: { ...target, incoming_connections: [...target.incoming_connections, from] } } };
}

export function disconnect(p: Pipeline, from: string, to: string): Pipeline {
  const target = p.steps[to];
  if (!target) return p;
  return { ...p, steps: { ...p.steps, [to]: { ...target, incoming_connections: target.incoming_connections.filter((u) => u !== from) } } };
}

export function removeSteps(p: Pipeline, uuids: Set<string>): Pipeline {
  const steps: Record<string, PipelineStep> = {};
  for (const s of Object.values(p.steps)) {
    if (!uuids.has(s.uuid)) steps[s.uuid] = { ...s, incoming_connections: s.incoming_connections.filter((u) => !uuids.has(u)) };
  }
  return { ...p, steps };
}

/** A new step at `at` (the middle of the view) or below the others, with the first step's environment and kernel. */
export function addStep(p: Pipeline, uuid: string, at?: { x: number; y: number }): Pipeline {
  const steps = Object.values(p.steps);
  const x = at ? Math.round(at.x - WIDTH / 2) : 40;
  const y = at ? Math.round(at.y - HEIGHT / 2) : Math.max(0, ...steps.map((s) => (s.meta_data?.position?.[1] ?? 0) + HEIGHT + 40));
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
