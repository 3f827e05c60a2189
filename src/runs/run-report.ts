import type { Status } from '../core/statuses.ts';
import type { RunRow, StepRunRow } from '../store/run-repository.ts';

/** The shape `berth run --json`, `berth runs show --json` (and later the API) print for a run. */
export interface RunReport {
  run: {
    uuid: string;
    status: Status;
    run_type: string;
    /** The runtime the steps ran on (process, docker). */
    runtime: string;
    pipeline: { uuid: string; name: string; path: string };
    created_at: string;
    started_at: string | null;
    finished_at: string | null;
    reason: string | null;
  };
  steps: Array<{
    uuid: string;
    title: string;
    status: Status;
    started_at: string | null;
    finished_at: string | null;
    exit_code: number | null;
    reason: string | null;
    log_path: string;
  }>;
}

export function runReport(run: RunRow, steps: StepRunRow[]): RunReport {
  return {
    run: {
      uuid: run.uuid,
      status: run.status,
      run_type: run.run_type,
      runtime: run.runtime,
      pipeline: { uuid: run.pipeline_uuid, name: run.pipeline_name, path: run.pipeline_path },
      created_at: run.created_at,
      started_at: run.started_at,
      finished_at: run.finished_at,
      reason: run.reason,
    },
    steps: steps.map((s) => ({
      uuid: s.step_uuid,
      title: s.title,
      status: s.status,
      started_at: s.started_at,
      finished_at: s.finished_at,
      exit_code: s.exit_code,
      reason: s.reason,
      log_path: s.log_path,
    })),
  };
}
