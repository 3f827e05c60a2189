import type { Kysely } from 'kysely';
import { interactiveSessionUuid } from '../core/step-environment.ts';
import type { EnvironmentBuild, StateChange } from '../store/state-change.ts';
import type { Database } from '../store/tables.ts';

export interface RunPayload {
  uuid: string;
  status: string;
  run_type: string;
  /** The run's number among its job's runs (job runs only). */
  number?: number;
  job_run_index?: number;
  job_run_pipeline_run_index?: number;
  parameters: unknown;
  steps: Array<{ uuid: string; title: string; status: string }>;
  failed_steps: Array<{ uuid: string; title: string }>;
}

export interface JobPayload {
  uuid: string;
  name: string;
  status: string;
  schedule: string | null;
  pipeline_uuid: string;
  pipeline_name: string;
  total_runs: number;
  job_run_index?: number;
  pipeline_run?: RunPayload;
}

export interface PipelinePayload {
  uuid: string;
  name: string;
  path: string;
  session?: { uuid: string; type: 'interactive'; pipeline_run?: RunPayload; status?: string; reason?: string | null; kernel?: KernelPayload };
}

export interface EnvironmentPayload {
  uuid: string;
  name: string;
  image: string;
  image_build: { uuid?: string; status: 'STARTED' | 'SUCCESS' | 'FAILURE'; reason?: string };
}

/** A kernel of the session's Jupyter server (`…:interactive-session:kernel:*`). */
export interface KernelPayload {
  id: string;
  name: string;
  environment?: { uuid: string; name: string };
}

/** An environment shell (`project:environment:shell:*`): the environment, and the shell. */
export interface EnvironmentShellPayload {
  uuid: string;
  name: string;
  shell: { id: string; exit_code?: number | null };
}

export interface ServicePayload {
  name: string;
  image: string;
  ports: number[];
}

/** An event's subject tree: project > pipeline (> session (> run)), project > job (> run), project > environment, project > service. */
export interface EventSubject {
  project: { uuid: string; name: string; pipeline?: PipelinePayload; job?: JobPayload; environment?: EnvironmentPayload | EnvironmentShellPayload; service?: ServicePayload };
}

export interface BuiltEvent {
  jobKind: 'cron' | 'one-off' | null;
  projectUuid: string | null;
  jobUuid: string | null;
  runUuid: string | null;
  subject: EventSubject;
}

/**
 * Builds the subject of a change from the rows as they are inside the transaction, so the event
 * keeps its names and statuses after what it names is deleted. Null when the subject is gone.
 */
export async function buildEventSubject(tx: Kysely<Database>, change: StateChange): Promise<BuiltEvent | null> {
  switch (change.entity) {
    case 'project': {
      const project = await projectOf(tx, change.projectUuid);
      return { jobKind: null, projectUuid: change.projectUuid, jobUuid: null, runUuid: null, subject: { project } };
    }
    case 'pipeline': {
      const project = await projectOf(tx, change.projectUuid);
      const p = await tx.selectFrom('pipelines').selectAll().where('project_uuid', '=', change.projectUuid).where('uuid', '=', change.pipelineUuid).executeTakeFirst();
      const pipeline = { uuid: change.pipelineUuid, name: p?.name ?? '', path: p?.path ?? '' };
      return { jobKind: null, projectUuid: change.projectUuid, jobUuid: null, runUuid: null, subject: { project: { ...project, pipeline } } };
    }
    case 'run':
      return runEvent(tx, change.runUuid);
    case 'job':
    case 'job-batch': {
      const job = await jobOf(tx, change.jobUuid);
      if (!job) return null;
      const project = await projectOf(tx, job.row.project_uuid);
      if (change.entity === 'job-batch') job.payload.job_run_index = change.jobRunIndex;
      return { jobKind: job.kind, projectUuid: job.row.project_uuid, jobUuid: job.row.uuid, runUuid: null, subject: { project: { ...project, job: job.payload } } };
    }
    case 'session':
      return sessionEvent(tx, change.sessionUuid);
    case 'kernel': {
      const built = await sessionEvent(tx, change.sessionUuid);
      const session = built?.subject.project.pipeline?.session;
      if (!built || !session) return null;
      const { id, name, environment } = change.kernel;
      session.kernel = { id, name, ...(environment ? { environment } : {}) };
      return built;
    }
    case 'environment-shell': {
      const project = await projectOf(tx, change.projectUuid);
      const { id, environmentUuid, environmentName, exitCode } = change.shell;
      const environment = { uuid: environmentUuid, name: environmentName, shell: { id, ...(exitCode === undefined ? {} : { exit_code: exitCode }) } };
      return { jobKind: null, projectUuid: change.projectUuid, jobUuid: null, runUuid: null, subject: { project: { ...project, environment } } };
    }
    case 'environment-build':
      return environmentBuildEvent(tx, change.verb, change.build);
    case 'service': {
      const project = await projectOf(tx, change.projectUuid);
      const service = { name: change.service.name, image: change.service.image, ports: change.service.ports };
      return { jobKind: null, projectUuid: change.projectUuid, jobUuid: null, runUuid: null, subject: { project: { ...project, service } } };
    }
  }
}

/** An interactive session's event; null for a job run's own session (Orchest has no event for it). */
async function sessionEvent(tx: Kysely<Database>, sessionUuid: string): Promise<BuiltEvent | null> {
  const row = await tx.selectFrom('sessions').selectAll().where('uuid', '=', sessionUuid).executeTakeFirst();
  if (!row || row.uuid !== interactiveSessionUuid(row.project_uuid, row.pipeline_uuid)) return null;
  const project = await projectOf(tx, row.project_uuid);
  const p = await tx.selectFrom('pipelines').select(['name', 'path']).where('project_uuid', '=', row.project_uuid).where('uuid', '=', row.pipeline_uuid).executeTakeFirst();
  const session = { uuid: row.uuid, type: 'interactive' as const, status: row.status, reason: row.reason };
  const pipeline = { uuid: row.pipeline_uuid, name: p?.name ?? '', path: p?.path ?? '', session };
  return { jobKind: null, projectUuid: row.project_uuid, jobUuid: null, runUuid: null, subject: { project: { ...project, pipeline } } };
}

const BUILD_STATUS = { started: 'STARTED', succeeded: 'SUCCESS', failed: 'FAILURE' } as const;

async function environmentBuildEvent(tx: Kysely<Database>, verb: keyof typeof BUILD_STATUS, build: EnvironmentBuild): Promise<BuiltEvent> {
  const row = build.projectDir === null ? undefined : await tx.selectFrom('projects').select(['uuid', 'name']).where('path', '=', build.projectDir).executeTakeFirst();
  const image_build: EnvironmentPayload['image_build'] = { ...(build.uuid === undefined ? {} : { uuid: build.uuid }), status: BUILD_STATUS[verb], ...(build.reason === undefined ? {} : { reason: build.reason }) };
  const environment = { uuid: build.environmentUuid, name: build.environmentName, image: build.image, image_build };
  return { jobKind: null, projectUuid: row?.uuid ?? null, jobUuid: null, runUuid: null, subject: { project: { uuid: row?.uuid ?? '', name: row?.name ?? '', environment } } };
}

async function runEvent(tx: Kysely<Database>, runUuid: string): Promise<BuiltEvent | null> {
  // The run, its project's name and its job link in one statement (each is a round trip on PostgreSQL).
  const row = await tx
    .selectFrom('runs')
    .leftJoin('projects', 'projects.uuid', 'runs.project_uuid')
    .leftJoin('job_runs', 'job_runs.run_uuid', 'runs.uuid')
    .select([
      'runs.uuid', 'runs.status', 'runs.run_type', 'runs.parameters_json', 'runs.project_uuid', 'runs.pipeline_uuid', 'runs.pipeline_name', 'runs.pipeline_path',
      'projects.name as project_name',
      'job_runs.job_uuid', 'job_runs.parameters_json as link_parameters_json', 'job_runs.pipeline_run_index', 'job_runs.job_run_index', 'job_runs.job_run_pipeline_run_index',
    ])
    .where('runs.uuid', '=', runUuid)
    .executeTakeFirst();
  if (!row) return null;
  const steps = await tx.selectFrom('step_runs').select(['step_uuid', 'title', 'status']).where('run_uuid', '=', runUuid).orderBy('position').execute();
  const pipelineRun: RunPayload = {
    uuid: row.uuid,
    status: row.status,
    run_type: row.run_type,
    parameters: JSON.parse(row.link_parameters_json ?? row.parameters_json) as unknown,
    steps: steps.map((s) => ({ uuid: s.step_uuid, title: s.title, status: s.status })),
    failed_steps: steps.filter((s) => s.status === 'FAILURE').map((s) => ({ uuid: s.step_uuid, title: s.title })),
  };
  const project = { uuid: row.project_uuid, name: row.project_name ?? '' };
  const base = { projectUuid: row.project_uuid, runUuid };
  const job = row.job_uuid !== null ? await jobOf(tx, row.job_uuid) : null;
  if (row.job_uuid !== null && job) {
    Object.assign(pipelineRun, { number: row.pipeline_run_index, job_run_index: row.job_run_index, job_run_pipeline_run_index: row.job_run_pipeline_run_index });
    return { ...base, jobKind: job.kind, jobUuid: row.job_uuid, subject: { project: { ...project, job: { ...job.payload, pipeline_run: pipelineRun } } } };
  }
  const session = { uuid: row.project_uuid.slice(0, 18) + row.pipeline_uuid.slice(0, 18), type: 'interactive' as const, pipeline_run: pipelineRun };
  const pipeline = { uuid: row.pipeline_uuid, name: row.pipeline_name, path: row.pipeline_path, session };
  return { ...base, jobKind: null, jobUuid: null, subject: { project: { ...project, pipeline } } };
}

async function projectOf(tx: Kysely<Database>, uuid: string): Promise<{ uuid: string; name: string }> {
  const row = await tx.selectFrom('projects').select(['uuid', 'name']).where('uuid', '=', uuid).executeTakeFirst();
  return { uuid, name: row?.name ?? '' };
}

async function jobOf(tx: Kysely<Database>, uuid: string) {
  const row = await tx.selectFrom('jobs').selectAll().where('uuid', '=', uuid).executeTakeFirst();
  if (!row) return null;
  const payload: JobPayload = {
    uuid: row.uuid,
    name: row.name,
    status: row.status,
    schedule: row.schedule,
    pipeline_uuid: row.pipeline_uuid,
    pipeline_name: row.pipeline_name,
    total_runs: row.total_scheduled_pipeline_runs,
  };
  return { row, payload, kind: (row.schedule ? 'cron' : 'one-off') as 'cron' | 'one-off' };
}
