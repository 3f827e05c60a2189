import type { ParameterSet } from '../core/parameter-grid.ts';
import type { JobRow } from '../store/job-repository.ts';

/** A job as the CLI (--json) and the API show it. */
export interface JobView {
  uuid: string;
  name: string;
  status: string;
  project_uuid: string;
  pipeline: { uuid: string; name: string; path: string };
  /** Cron expression; null for a one-off job. */
  schedule: string | null;
  timezone: string;
  scheduled_start: string | null;
  next_scheduled_time: string | null;
  last_scheduled_time: string | null;
  /** The runs of one batch: one parameter set each. */
  parameters: ParameterSet[];
  env_variables: Record<string, string>;
  max_retained_pipeline_runs: number;
  total_scheduled_executions: number;
  total_scheduled_pipeline_runs: number;
  snapshot_dir: string;
  created_at: string;
  updated_at: string;
}

export function jobView(row: JobRow): JobView {
  return {
    uuid: row.uuid,
    name: row.name,
    status: row.status,
    project_uuid: row.project_uuid,
    pipeline: { uuid: row.pipeline_uuid, name: row.pipeline_name, path: row.pipeline_path },
    schedule: row.schedule,
    timezone: row.timezone,
    scheduled_start: row.scheduled_start,
    next_scheduled_time: row.next_scheduled_time,
    last_scheduled_time: row.last_scheduled_time,
    parameters: JSON.parse(row.parameters_json) as ParameterSet[],
    env_variables: JSON.parse(row.env_json) as Record<string, string>,
    max_retained_pipeline_runs: row.max_retained_pipeline_runs,
    total_scheduled_executions: row.total_scheduled_executions,
    total_scheduled_pipeline_runs: row.total_scheduled_pipeline_runs,
    snapshot_dir: row.snapshot_dir,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

/** One run of a job, for `job show`. */
export interface JobRunView {
  uuid: string;
  status: string;
  job_run_index: number;
  job_run_pipeline_run_index: number;
  pipeline_run_index: number;
  parameters: ParameterSet;
  work_dir: string;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  reason: string | null;
}
