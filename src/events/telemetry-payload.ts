import { createHash } from 'node:crypto';
import type { BuiltEvent, RunPayload } from './event-payload.ts';

/**
 * What telemetry may send about one event. Built field by field from ids, statuses and counts:
 * no names, paths, parameters, URLs or environment values can get in, because none is copied.
 * Ids are SHA-256 of a per-install salt and the uuid (so they cannot be joined across installs).
 */
export interface TelemetryPayload {
  event_type: string;
  timestamp: string;
  install: string;
  project?: string;
  pipeline?: string;
  job?: string;
  run?: string;
  job_kind?: 'cron' | 'one-off';
  status?: string;
  run_type?: string;
  step_count?: number;
  failed_step_count?: number;
  total_runs?: number;
}

export function telemetryPayload(type: string, timestamp: string, event: BuiltEvent, salt: string): TelemetryPayload {
  const h = (uuid: string) => createHash('sha256').update(salt).update(':').update(uuid).digest('hex').slice(0, 32);
  const { project } = event.subject;
  const out: TelemetryPayload = { event_type: type, timestamp, install: h('install') };
  if (project.uuid) out.project = h(project.uuid);
  const run: RunPayload | undefined = project.pipeline?.session?.pipeline_run ?? project.job?.pipeline_run;
  if (project.pipeline) out.pipeline = h(project.pipeline.uuid);
  if (project.pipeline?.session?.status) out.status = project.pipeline.session.status;
  if (project.environment && 'image_build' in project.environment) out.status = project.environment.image_build.status;
  if (project.job) {
    out.job = h(project.job.uuid);
    out.pipeline = h(project.job.pipeline_uuid);
    out.job_kind = event.jobKind ?? 'one-off';
    out.status = project.job.status;
    out.total_runs = project.job.total_runs;
  }
  if (run) {
    out.run = h(run.uuid);
    out.status = run.status;
    out.run_type = run.run_type;
    out.step_count = run.steps.length;
    out.failed_step_count = run.failed_steps.length;
  }
  return out;
}

/** The fields telemetry may send (the README lists the same). */
export const TELEMETRY_FIELDS: readonly (keyof TelemetryPayload)[] = [
  'event_type', 'timestamp', 'install', 'project', 'pipeline', 'job', 'run', 'job_kind', 'status', 'run_type', 'step_count', 'failed_step_count', 'total_runs',
];
