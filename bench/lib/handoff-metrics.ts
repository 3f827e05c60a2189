import type { Dag } from '../dag-shapes.ts';

/** The part of `berth run --json` the benchmarks read. */
export interface BerthReport {
  run: { uuid: string; status: string; run_type: string };
  steps: Array<{
    uuid: string;
    title: string;
    status: string;
    started_at: string | null;
    finished_at: string | null;
    exit_code: number | null;
    log_path?: string;
  }>;
}

/** Per-step delays in ms, one entry per step that has the data. */
export interface StepDelays {
  /** started_at − the latest parent's finished_at (steps with parents). Includes waiting for a free slot. */
  handOff: number[];
  /** started_at − the latest finished_at of any step at or before it (steps with parents): the scheduler's reaction, slot waits excluded. */
  dispatch: number[];
  /** The step's first line ran − its recorded started_at: process start cost after the start was recorded. */
  spawn: number[];
  /** Recorded finished_at − the step's first line ran: exit noticed and recorded. */
  exit: number[];
}

/** Berth's recorded timestamps (and the steps' own start markers, when present) → per-step delays. */
export function stepDelays(dag: Dag, report: BerthReport, markers: Map<string, number>): StepDelays {
  const byTitle = new Map(report.steps.map((s) => [s.title, s]));
  const start = new Map<string, number>();
  const finish = new Map<string, number>();
  for (const s of report.steps) {
    if (s.started_at) start.set(s.title, Date.parse(s.started_at));
    if (s.finished_at) finish.set(s.title, Date.parse(s.finished_at));
  }
  const finishes = [...finish.values()].sort((a, b) => a - b);
  const out: StepDelays = { handOff: [], dispatch: [], spawn: [], exit: [] };
  for (const [i, title] of dag.titles.entries()) {
    const s = start.get(title);
    const f = finish.get(title);
    const mark = markers.get(title);
    if (s !== undefined && mark !== undefined) out.spawn.push(mark - s);
    if (f !== undefined && mark !== undefined) out.exit.push(f - mark);
    const parents = dag.parents[i] ?? [];
    if (s === undefined || parents.length === 0 || byTitle.get(title)?.status !== 'SUCCESS') continue;
    const parentEnds = parents.map((p) => finish.get(dag.titles[p]!));
    if (parentEnds.some((e) => e === undefined)) continue;
    const ready = Math.max(...(parentEnds as number[]));
    out.handOff.push(s - ready);
    out.dispatch.push(s - Math.max(ready, latestAtOrBefore(finishes, s)));
  }
  return out;
}

/** For a chain: each step's first line − its parent's first line (the same measure for make and Berth). */
export function launchGaps(dag: Dag, markers: Map<string, number>): number[] {
  const gaps: number[] = [];
  for (const [i, title] of dag.titles.entries()) {
    const parents = dag.parents[i] ?? [];
    if (parents.length !== 1) continue;
    const mine = markers.get(title);
    const parent = markers.get(dag.titles[parents[0]!]!);
    if (mine !== undefined && parent !== undefined) gaps.push(mine - parent);
  }
  return gaps;
}

/** Largest value ≤ t in an ascending list (−Infinity when none). */
function latestAtOrBefore(sorted: number[], t: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo === 0 ? Number.NEGATIVE_INFINITY : sorted[lo - 1]!;
}
