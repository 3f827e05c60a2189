import { existsSync, readFileSync } from 'node:fs';
import { checkCron } from '../core/job-schedule.ts';
import { expandGrid, gridOfValues, PIPELINE_PARAMETERS, type ParameterGrid, type ParameterSet } from '../core/parameter-grid.ts';
import type { JsonObject, PipelineDefinition } from '../core/pipeline-types.ts';
import { resolveStepSelectors } from '../core/run-planner.ts';
import { BerthError, type Problem } from '../errors.ts';
import type { JobInput } from './job-schema.ts';

export type { JobInput } from './job-schema.ts';

export interface ResolvedJobInput {
  grid: ParameterGrid;
  combinations: ParameterSet[];
  timezone: string;
}

/** Checks a job input against its pipeline; every problem at once, each naming the field and the fix. */
export function resolveJobInput(input: JobInput, pipeline: PipelineDefinition, pipelineFile: string, now: Date): ResolvedJobInput {
  const problems: Problem[] = [];
  if (typeof input.name !== 'string' || input.name.trim() === '' || input.name.length > 100) {
    problems.push({ path: 'name', message: 'must be 1-100 characters', fix: 'e.g. --name nightly-training' });
  }
  const timezone = input.timezone ?? 'UTC';
  if (input.cron !== undefined && input.scheduled_start !== undefined) {
    problems.push({ path: 'cron', message: 'cron and scheduled_start are mutually exclusive', fix: 'give one: a cron schedule or a one-off time' });
  }
  if (input.cron !== undefined) {
    const check = checkCron(input.cron, timezone);
    if (!check.ok) problems.push({ path: input.timezone && check.message.includes('timezone') ? 'timezone' : 'cron', message: check.message, fix: check.fix });
  }
  if (input.scheduled_start !== undefined) {
    const t = Date.parse(input.scheduled_start);
    if (Number.isNaN(t)) problems.push({ path: 'scheduled_start', message: `"${input.scheduled_start}" is not a time`, fix: 'use ISO-8601, e.g. 2030-01-01T06:00:00Z' });
    else if (t < now.getTime() - 60_000) problems.push({ path: 'scheduled_start', message: 'is in the past', fix: 'give a future time, or omit it to run now' });
  }
  const max = input.max_retained_pipeline_runs ?? -1;
  if (!Number.isInteger(max) || max < -1) problems.push({ path: 'max_retained_pipeline_runs', message: `${max} is not -1 or a whole number`, fix: '-1 keeps every run; N keeps the newest N' });
  for (const name of Object.keys(input.env_variables ?? {})) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) problems.push({ path: `env_variables.${name}`, message: 'not a valid variable name', fix: 'letters, digits and _, not starting with a digit' });
  }
  const grid = defaultGrid(pipeline, pipelineFile);
  for (const [owner, params] of Object.entries(input.parameters ?? {})) {
    let key = owner;
    if (owner !== PIPELINE_PARAMETERS) {
      try {
        key = resolveStepSelectors(pipeline, [owner])[0]!;
      } catch {
        problems.push({ path: `parameters.${owner}`, message: `no step "${owner}" in the pipeline`, fix: `use ${PIPELINE_PARAMETERS} or a step uuid or title` });
        continue;
      }
    }
    for (const [param, values] of Object.entries(params)) {
      if (!Array.isArray(values) || values.length === 0) {
        problems.push({ path: `parameters.${owner}.${param}`, message: 'must be a non-empty list of values', fix: 'e.g. [0.1, 0.01]' });
        continue;
      }
      (grid[key] ??= {})[param] = values;
    }
  }
  const all = problems.length === 0 ? expandGrid(grid) : [];
  const exclude = new Set(input.exclude ?? []);
  for (const i of exclude) {
    if (!Number.isInteger(i) || i < 0 || i >= all.length) problems.push({ path: 'exclude', message: `${i} is not a combination index (0-${all.length - 1})`, fix: 'see the indexes with `berth job create … --dry-run`' });
  }
  const combinations = all.filter((_, i) => !exclude.has(i));
  if (problems.length === 0 && combinations.length === 0) problems.push({ path: 'exclude', message: 'every combination is excluded', fix: 'keep at least one' });
  if (problems.length > 0) throw new BerthError('BERTH_E_INVALID_ARGUMENT', `job: ${problems.length} problem(s)`, { problems });
  return { grid, combinations, timezone };
}

/** `<pipeline>.parameters.json` beside the file when present, else the pipeline's current values. */
function defaultGrid(pipeline: PipelineDefinition, pipelineFile: string): ParameterGrid {
  const sidecar = pipelineFile.replace(/\.orchest$/, '') + '.parameters.json';
  if (existsSync(sidecar)) {
    try {
      const raw = JSON.parse(readFileSync(sidecar, 'utf8')) as ParameterGrid;
      const grid: ParameterGrid = {};
      for (const [owner, params] of Object.entries(raw)) {
        if (owner !== PIPELINE_PARAMETERS && !pipeline.steps[owner]) continue;
        for (const [k, v] of Object.entries(params ?? {})) if (Array.isArray(v) && v.length > 0) (grid[owner] ??= {})[k] = v;
      }
      return grid;
    } catch (e) {
      throw new BerthError('BERTH_E_INVALID_ARGUMENT', `${sidecar} is not valid JSON`, {
        cause: e,
        problems: [{ path: sidecar, message: 'not valid JSON', fix: 'fix it or remove it (the pipeline\'s own values are the default)' }],
      });
    }
  }
  const values: Record<string, JsonObject> = { [PIPELINE_PARAMETERS]: pipeline.parameters };
  for (const [uuid, step] of Object.entries(pipeline.steps)) values[uuid] = step.parameters;
  return gridOfValues(values);
}
