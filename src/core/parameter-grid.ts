import type { JsonObject, JsonValue } from './pipeline-types.ts';

/**
 * A parameter grid in Orchest's `<pipeline>.parameters.json` form: candidate values per
 * parameter, for the pipeline (`pipeline_parameters`) and per step uuid.
 */
export type ParameterGrid = Record<string, Record<string, JsonValue[]>>;

/** One run's parameters: `{pipeline_parameters: {...}, <step uuid>: {...}}` (Orchest's job `parameters` entry). */
export type ParameterSet = Record<string, JsonObject>;

export const PIPELINE_PARAMETERS = 'pipeline_parameters';

/**
 * The Cartesian product of the grid, in a stable order (owners and keys in insertion order, the
 * last key varying fastest). An empty grid gives one empty set: a job always runs at least once.
 */
export function expandGrid(grid: ParameterGrid): ParameterSet[] {
  const axes: Array<{ owner: string; key: string; values: JsonValue[] }> = [];
  for (const [owner, params] of Object.entries(grid)) {
    for (const [key, values] of Object.entries(params)) axes.push({ owner, key, values });
  }
  let sets: ParameterSet[] = [{}];
  for (const axis of axes) {
    const next: ParameterSet[] = [];
    for (const set of sets) {
      for (const value of axis.values) {
        const copy: ParameterSet = structuredClone(set);
        (copy[axis.owner] ??= {})[axis.key] = structuredClone(value);
        next.push(copy);
      }
    }
    sets = next;
  }
  return sets;
}

/** How many sets the grid gives, without building them. */
export function gridSize(grid: ParameterGrid): number {
  let n = 1;
  for (const params of Object.values(grid)) for (const values of Object.values(params)) n *= values.length;
  return n;
}

/** A grid from fixed parameter values (each value becomes a one-value list). */
export function gridOfValues(values: Record<string, JsonObject>): ParameterGrid {
  const grid: ParameterGrid = {};
  for (const [owner, params] of Object.entries(values)) {
    const entries = Object.entries(params);
    if (entries.length > 0) grid[owner] = Object.fromEntries(entries.map(([k, v]) => [k, [v]]));
  }
  return grid;
}
