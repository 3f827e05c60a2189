import { assertEnvVars } from '../../core/env-var-check.ts';
import { existsSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { JsonObject } from '../../core/pipeline-types.ts';
import type { Status } from '../../core/statuses.ts';
import type { RunObserver } from '../../runs/run-events.ts';
import { runReport } from '../../runs/run-report.ts';
import { stepLogChunks } from '../../runs/step-log.ts';
import type { RunRow } from '../../store/run-repository.ts';
import { CreateRunBody, errorResponses, logRouteSchema, ListRunsQuery, PipelineDocument, ProjectParams, RunParams, RunReport, RunSummary, StepLogParams } from '../api-schemas.ts';
import { isFollow, sendLog } from '../send-log.ts';
import type { ServerContext } from '../server-context.ts';
import { assertHostWorkloadAllowed } from '../../auth/host-workload-policy.ts';

/**
 * Runs. A run started here executes inside the server through Engine.runPipeline; the request
 * returns as soon as the run is stored (201, PENDING), while it queues and runs in the background.
 */
export async function runRoutes(root: FastifyInstance, ctx: ServerContext & { background: (p: Promise<unknown>) => void; observe?: RunObserver }): Promise<void> {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['runs'];
  const RunList = Type.Object({ runs: Type.Array(RunSummary) });
  app.post('/api/projects/:project/runs', {
    config: { auth: 'project' },
    schema: { summary: 'Start a run of a pipeline', tags, params: ProjectParams, body: CreateRunBody, response: { 201: RunReport, ...errorResponses } },
  }, async (request, reply) => {
    const project = request.project!;
    const body = request.body;
    assertEnvVars(body.env, 'body', 'env');
    assertHostWorkloadAllowed(ctx.hostPolicy ?? 'workload-user', request.principal, body.runtime ?? ctx.engine.config.runtime, 'runs');
    const file = await ctx.projects.resolve(project, body.pipeline);
    let created!: (uuid: string) => void;
    let isStored = false;
    const stored = new Promise<string>((resolve) => (created = resolve)).then((uuid) => ((isStored = true), uuid));
    const done = ctx.engine.runPipeline({
      pipelinePath: file,
      projectDir: project.path,
      runType: body.run_type,
      steps: body.uuids ?? [],
      params: body.parameters as { pipeline?: JsonObject; steps?: Record<string, JsonObject> } | undefined,
      env: body.env,
      failFast: body.fail_fast,
      runtime: body.runtime,
      kind: body.kind,
      onCreated: created,
      observe: ctx.observe,
    });
    // Errors before the run is stored are bad input and go to the client; later ones only to the log.
    ctx.background(done.catch((e: unknown) => isStored && request.log.error({ err: e }, 'run failed in the server')));
    const uuid = await Promise.race([stored, done.then(() => stored)]);
    return reply.status(201).send(await ctx.engine.report(uuid));
  });
  app.get('/api/projects/:project/runs', {
    config: { auth: 'project' },
    schema: { summary: "List a project's runs (newest first)", tags, params: ProjectParams, querystring: ListRunsQuery, response: { 200: RunList, ...errorResponses } },
  }, async (request) => ({ runs: summaries(await ctx.engine.listRuns({ limit: request.query.limit, status: request.query.status as Status | undefined, projectUuid: request.project!.uuid, pipelineUuid: request.query.pipeline })) }));
  app.get('/api/runs', {
    config: { auth: 'admin' },
    schema: { summary: 'List all runs (newest first)', tags, querystring: ListRunsQuery, response: { 200: RunList, ...errorResponses } },
  }, async (request) => ({ runs: summaries(await ctx.engine.listRuns({ limit: request.query.limit, status: request.query.status as Status | undefined, pipelineUuid: request.query.pipeline })) }));
  app.get('/api/runs/:run', {
    config: { auth: 'run' },
    schema: { summary: 'Show a run with its steps', tags, params: RunParams, response: { 200: RunReport, ...errorResponses } },
  }, async (request) => ctx.engine.report(request.params.run));
  app.get('/api/runs/:run/pipeline', {
    config: { auth: 'run' },
    schema: {
      summary: "The run's own pipeline: the definition as the run started it (snapshot, parameters applied), not the file as it is now",
      tags,
      params: RunParams,
      response: { 200: Type.Object({ path: Type.String(), pipeline: PipelineDocument }), ...errorResponses },
    },
  }, async (request) => ctx.engine.runPipelineSnapshot(request.params.run));
  app.delete('/api/runs/:run', {
    config: { auth: 'run' },
    schema: { summary: 'Cancel a run (no change when it already ended)', tags, params: RunParams, response: { 200: RunReport, ...errorResponses } },
  }, async (request) => ctx.engine.cancelRun(request.params.run));
  app.get('/api/runs/:run/steps/:step/logs', {
    config: { auth: 'run' },
    schema: {
      summary: "A step's log: text/plain, or with follow=1 Server-Sent Events until the step ends",
      tags,
      params: StepLogParams,
      ...logRouteSchema,
    },
  }, async (request, reply) => {
    const { run, step } = await ctx.engine.findStep(request.params.run, request.params.step);
    void reply.header('x-berth-step-status', step.status).header('x-berth-log-exists', existsSync(step.log_path) ? '1' : '0');
    return sendLog(request, reply, isFollow(request.query.follow), (signal) => stepLogChunks(ctx.engine, run.uuid, step.uuid, { follow: isFollow(request.query.follow), signal }), async () => {
      const now = (await ctx.engine.findStep(run.uuid, step.uuid)).step;
      return { status: now.status, exit_code: now.exit_code, reason: now.reason };
    });
  });
}

function summaries(rows: RunRow[]) {
  return rows.map((r) => runReport(r, []).run);
}
