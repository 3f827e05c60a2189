import { BerthError, type Problem } from '../errors.ts';
import { ancestors, topologicalOrder } from './dag.ts';
import type { PipelineDefinition } from './pipeline-types.ts';
import type { RunType } from './statuses.ts';

export interface RunPlan {
  runType: RunType;
  /** The steps to run, every step after its parents. */
  steps: string[];
  /** Each planned step's parents within the plan only (edges to steps outside it are dropped). */
  parents: Record<string, string[]>;
}

/** At most this many step titles are listed in an "unknown step" error. */
const MAX_LISTED_TITLES = 20;

/**
 * Turns step selectors (a step uuid, or a title) into step uuids, in the order given, without
 * repeats. Throws BERTH_E_UNKNOWN_STEP listing the known titles when a selector matches no step, and
 * BERTH_E_INVALID_ARGUMENT when a title is shared by several steps (use the uuid then).
 */
export function resolveStepSelectors(pipeline: PipelineDefinition, selectors: string[]): string[] {
  const byTitle = new Map<string, string[]>();
  for (const [uuid, step] of Object.entries(pipeline.steps)) {
    const uuids = byTitle.get(step.title);
    if (uuids) uuids.push(uuid);
    else byTitle.set(step.title, [uuid]);
  }
  const resolved = new Set<string>();
  const unknown: Problem[] = [];
  const ambiguous: Problem[] = [];
  selectors.forEach((selector, i) => {
    const path = `steps[${i}]`;
    if (Object.hasOwn(pipeline.steps, selector)) {
      resolved.add(selector);
      return;
    }
    const matches = byTitle.get(selector) ?? [];
    if (matches.length === 1) resolved.add(matches[0]!);
    else if (matches.length > 1) {
      ambiguous.push({
        path,
        message: `${matches.length} steps are titled "${selector}": ${matches.join(', ')}`,
        fix: 'select the step by its uuid',
      });
    } else {
      unknown.push({ path, message: `no step has the uuid or title "${selector}"`, fix: `use one of: ${knownTitles(byTitle)}` });
    }
  });
  if (unknown.length > 0) {
    const what = unknown.map((p) => p.message.replace(/^no step has the uuid or title /, '')).join(', ');
    throw new BerthError('BERTH_E_UNKNOWN_STEP', `unknown step ${what} in pipeline "${pipeline.name}"`, { problems: [...unknown, ...ambiguous] });
  }
  if (ambiguous.length > 0) {
    const message = `several steps share a title: ${ambiguous[0]!.message}; select the step by its uuid`;
    throw new BerthError('BERTH_E_INVALID_ARGUMENT', message, { problems: ambiguous });
  }
  return [...resolved];
}

function knownTitles(byTitle: Map<string, string[]>): string {
  const titles = [...byTitle.keys()].map((title) => JSON.stringify(title));
  if (titles.length === 0) return '(the pipeline has no steps)';
  const more = titles.length - MAX_LISTED_TITLES;
  return more > 0 ? `${titles.slice(0, MAX_LISTED_TITLES).join(', ')} and ${more} more` : titles.join(', ');
}

/**
 * Which steps a run executes, as Orchest's run types mean it: `full` = every step (`selected` is
 * ignored); `selection` = the selected steps only, with edges to unselected parents dropped (their
 * last outputs are reused); `incoming` = every ancestor of the selected steps, excluding the selected
 * steps themselves (empty when they have no ancestors). `selected` holds step uuids (see
 * resolveStepSelectors); the pipeline must be valid (acyclic).
 */
export function planRun(pipeline: PipelineDefinition, runType: RunType, selected: string[]): RunPlan {
  const graph = new Map<string, string[]>();
  for (const [uuid, step] of Object.entries(pipeline.steps)) graph.set(uuid, step.incoming_connections);
  let chosen: Set<string> | null = null;
  if (runType !== 'full') {
    if (selected.length === 0) {
      throw new BerthError('BERTH_E_INVALID_ARGUMENT', `a "${runType}" run needs at least one selected step`, {
        problems: [{ path: 'steps', message: 'no step is selected', fix: 'select one or more steps by uuid or title, or run the full pipeline' }],
      });
    }
    const missing = selected.filter((uuid) => !graph.has(uuid));
    if (missing.length > 0) {
      throw new BerthError('BERTH_E_UNKNOWN_STEP', `pipeline "${pipeline.name}" has no step ${missing.map((u) => `"${u}"`).join(', ')}`, {
        problems: missing.map((uuid) => ({
          path: `steps[${selected.indexOf(uuid)}]`,
          message: `no step has the uuid "${uuid}"`,
          fix: 'select steps of this pipeline by uuid or title',
        })),
      });
    }
    chosen = new Set(selected);
    if (runType === 'incoming') {
      const upstream = ancestors(graph, chosen);
      for (const uuid of chosen) upstream.delete(uuid);
      chosen = upstream;
    }
  }
  const steps = topologicalOrder(graph).filter((uuid) => chosen === null || chosen.has(uuid));
  const parents: Record<string, string[]> = {};
  for (const uuid of steps) parents[uuid] = graph.get(uuid)!.filter((parent) => (chosen === null ? graph.has(parent) : chosen.has(parent)));
  return { runType, steps, parents };
}
