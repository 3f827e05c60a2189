import { Type } from 'typebox';
import { JobInputSchema } from '../jobs/job-schema.ts';
import { JOB_STATUSES } from '../core/job-status.ts';
import { ProjectParams } from './api-schemas.ts';

/** The schemas of the job routes (validation and OpenAPI from the same objects). */

const Nullable = (t: ReturnType<typeof Type.String>) => Type.Union([t, Type.Null()]);
const ParameterSet = Type.Record(Type.String(), Type.Record(Type.String(), Type.Unknown()), { description: '{pipeline_parameters: {k: v}, <step uuid>: {k: v}}' });

export const CreateJobBody = JobInputSchema;

export const CreateJobQuery = Type.Object({
  dry_run: Type.Optional(Type.Union([Type.Literal('1'), Type.Literal('true'), Type.Literal('0'), Type.Literal('false')], { description: 'only compute the parameter combinations; create nothing' })),
});

export const Job = Type.Object(
  {
    uuid: Type.String(),
    name: Type.String(),
    status: Type.Enum(JOB_STATUSES),
    project_uuid: Type.String(),
    pipeline: Type.Object({ uuid: Type.String(), name: Type.String(), path: Type.String() }),
    schedule: Nullable(Type.String({ description: 'cron expression; null for a one-off job' })),
    timezone: Type.String(),
    scheduled_start: Nullable(Type.String()),
    next_scheduled_time: Nullable(Type.String({ description: 'when the next batch starts (null: none planned)' })),
    last_scheduled_time: Nullable(Type.String()),
    parameters: Type.Array(ParameterSet, { description: 'the runs of one batch: one parameter set each' }),
    env_variables: Type.Record(Type.String(), Type.String()),
    max_retained_pipeline_runs: Type.Integer(),
    total_scheduled_executions: Type.Integer(),
    total_scheduled_pipeline_runs: Type.Integer(),
    snapshot_dir: Type.String(),
    created_at: Type.String(),
    updated_at: Type.String(),
  },
  { $id: 'Job' },
);

export const JobRun = Type.Object(
  {
    uuid: Type.String(),
    status: Type.String(),
    job_run_index: Type.Integer({ description: 'the batch' }),
    job_run_pipeline_run_index: Type.Integer({ description: 'the position in the batch (parameter combination index)' }),
    pipeline_run_index: Type.Integer(),
    parameters: ParameterSet,
    work_dir: Type.String(),
    created_at: Type.String(),
    started_at: Nullable(Type.String()),
    finished_at: Nullable(Type.String()),
    reason: Nullable(Type.String()),
  },
  { $id: 'JobRun' },
);

export const JobParams = Type.Object({ project: ProjectParams.properties.project, job: Type.String({ minLength: 1, maxLength: 100, description: 'job name, uuid or uuid prefix' }) });

export const JobRefParams = Type.Object({ job: JobParams.properties.job });

export const ListJobsQuery = Type.Object({ status: Type.Optional(Type.String({ description: 'only jobs in this status' })) });

export const JobResponse = Type.Object({ job: Type.Ref('Job') });

export const JobShow = Type.Object({ job: Type.Ref('Job'), runs: Type.Array(Type.Ref('JobRun')) });

export const JobList = Type.Object({ jobs: Type.Array(Type.Ref('Job')) });

export const TriggerResponse = Type.Object({
  job: Type.Ref('Job'),
  job_run_index: Type.Integer({ description: 'the batch started; its runs are listed by GET …/jobs/{job}/runs' }),
});
