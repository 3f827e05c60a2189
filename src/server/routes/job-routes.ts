import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { JobRow } from '../../store/job-repository.ts';
import type { Project } from '../../store/project-repository.ts';
import { errorResponses, ProjectParams } from '../api-schemas.ts';
import { CreateJobBody, CreateJobQuery, JobList, JobParams, JobRefParams, JobResponse, JobShow, ListJobsQuery, TriggerResponse } from '../job-api-schemas.ts';
import type { ServerContext } from '../server-context.ts';
import { assertHostWorkloadAllowed } from '../../auth/host-workload-policy.ts';

type JobRoutesContext = ServerContext & { background: (p: Promise<unknown>) => void };

/**
 * Jobs of a project: create (snapshot + grid + schedule), list, show with runs, pause / resume /
 * trigger / cancel / delete. Batches run inside the server: scheduled ones by the server's job
 * scheduler, triggered ones in the background of the trigger request (which answers 202 once the
 * batch is claimed).
 */
export async function jobRoutes(root: FastifyInstance, ctx: JobRoutesContext): Promise<void> {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['jobs'];
  const jobs = ctx.engine.jobs;
  const config = { auth: 'project' as const };
  /** The job `ref` of `project`: other projects' jobs are not looked at (404 as for no job at all). */
  const jobOf = async (project: Project, ref: string): Promise<JobRow> => jobs.find(ref, { projectUuid: project.uuid });

  app.post('/api/projects/:project/jobs', {
    config,
    schema: {
      summary: 'Create a job (cron, one-off or now) with a parameter grid',
      description: 'Snapshots the project folder (respecting .gitignore); every run uses its own copy of the snapshot. A job without a schedule runs now, in the server. With `?dry_run=1` only the parameter combinations are returned.',
      tags,
      params: ProjectParams,
      querystring: CreateJobQuery,
      body: CreateJobBody,
      response: { 200: Type.Object({ parameters: Type.Array(Type.Record(Type.String(), Type.Unknown())) }), 201: JobResponse, ...errorResponses },
    },
  }, async (request, reply) => {
    const project = request.project!;
    assertHostWorkloadAllowed(ctx.hostPolicy ?? 'workload-user', request.principal, ctx.engine.config.runtime, 'jobs');
    const input = { ...request.body, pipeline_path: await ctx.projects.resolve(project, request.body.pipeline_path) };
    if (request.query.dry_run === '1' || request.query.dry_run === 'true') return { parameters: jobs.preview(input, { projectDir: project.path }) };
    const job = await jobs.create(input, { projectDir: project.path });
    ctx.scheduler?.nudge();
    return reply.status(201).send({ job });
  });
  app.get('/api/projects/:project/jobs', {
    config,
    schema: { summary: "List a project's jobs with their next run time", tags, params: ProjectParams, querystring: ListJobsQuery, response: { 200: JobList, ...errorResponses } },
  }, async (request) => ({ jobs: await jobs.list({ projectUuid: request.project!.uuid, status: request.query.status?.toUpperCase() }) }));
  app.get('/api/projects/:project/jobs/:job', {
    config,
    schema: { summary: 'Show a job with its runs', tags, params: JobParams, response: { 200: JobShow, ...errorResponses } },
  }, async (request) => jobs.show((await jobOf(request.project!, request.params.job)).uuid));
  app.get('/api/projects/:project/jobs/:job/runs', {
    config,
    schema: { summary: "A job's runs (batch, position in the batch, parameters, status)", tags, params: JobParams, response: { 200: Type.Object({ runs: JobShow.properties.runs }), ...errorResponses } },
  }, async (request) => ({ runs: (await jobs.show((await jobOf(request.project!, request.params.job)).uuid)).runs }));
  const actions = { pause: 'Pause a cron job (no ticks until resumed)', resume: 'Resume a paused cron job, or confirm a draft', cancel: 'Cancel a job: no more batches, active runs aborted' } as const;
  for (const [action, summary] of Object.entries(actions) as Array<[keyof typeof actions, string]>) {
    app.post(`/api/projects/:project/jobs/:job/${action}`, {
      config,
      schema: { summary, tags, params: JobParams, response: { 200: JobResponse, ...errorResponses } },
    }, async (request) => ({ job: await jobs[action]((await jobOf(request.project!, request.params.job)).uuid) }));
  }
  app.post('/api/projects/:project/jobs/:job/trigger', {
    config,
    schema: {
      summary: 'Run one batch of the job now (202 once the batch is claimed; its runs execute in the server)',
      tags,
      params: JobParams,
      response: { 202: TriggerResponse, ...errorResponses },
    },
  }, async (request, reply) => {
    const job = await jobOf(request.project!, request.params.job);
    assertHostWorkloadAllowed(ctx.hostPolicy ?? 'workload-user', request.principal, ctx.engine.config.runtime, 'jobs');
    let claimed!: (index: number) => void;
    const index = new Promise<number>((resolve) => (claimed = resolve));
    const done = jobs.trigger(job.uuid, { onClaimed: claimed });
    ctx.background(done.catch((e: unknown) => request.log.error({ err: e }, 'a triggered batch failed')));
    const jobRunIndex = await Promise.race([index, done.then(() => index)]);
    return reply.status(202).send({ job: (await jobs.show(job.uuid)).job, job_run_index: jobRunIndex });
  });
  app.delete('/api/projects/:project/jobs/:job', {
    config,
    schema: { summary: 'Delete a job with its runs, snapshot and working copies (active runs are aborted)', tags, params: JobParams, response: { 200: JobResponse, ...errorResponses } },
  }, async (request) => ({ job: await jobs.remove((await jobOf(request.project!, request.params.job)).uuid) }));
  app.get('/api/jobs', {
    config: { auth: 'admin' },
    schema: { summary: 'List the jobs of every project', tags, querystring: ListJobsQuery, response: { 200: JobList, ...errorResponses } },
  }, async (request) => ({ jobs: await jobs.list({ status: request.query.status?.toUpperCase() }) }));
  app.get('/api/jobs/:job', {
    config: { auth: 'job' },
    schema: { summary: 'Find a job by name, uuid or uuid prefix, with its runs (any project the token may use)', tags, params: JobRefParams, response: { 200: JobShow, ...errorResponses } },
  }, async (request) => jobs.show(request.params.job));
}
