import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { RUNTIMES, type RuntimeName } from '../../config/config.ts';
import { interactiveSessionUuid } from '../../core/step-environment.ts';
import { errorResponses, logRouteSchema, Nullable, PipelineParams, ProjectParams } from '../api-schemas.ts';
import { chunkText, isFollow, sendLog } from '../send-log.ts';
import type { ServerContext } from '../server-context.ts';
import { assertHostWorkloadAllowed } from '../../auth/host-workload-policy.ts';
import { forwardToHost } from '../forward-to-host.ts';
import { sessionGitAccess } from '../../sessions/session-git.ts';

const SessionView = Type.Object({
  uuid: Type.String(),
  project_uuid: Type.String(),
  pipeline_uuid: Type.String(),
  pipeline_file: Type.String(),
  runtime: Type.String(),
  status: Type.String({ description: 'STARTING | RUNNING | STOPPING | STOPPED | FAILED' }),
  reason: Nullable(Type.String()),
  network: Nullable(Type.String()),
  services: Type.Array(Type.Object({
    name: Type.String(),
    state: Type.String({ description: 'running | exited | missing' }),
    image: Type.String(),
    hostname: Type.String(),
    ports: Type.Record(Type.String(), Type.String()),
    restarts: Type.Integer(),
    log_path: Type.String(),
  })),
  jupyter: Type.Union([Type.Object({
    url: Type.String({ description: "path of the session's Jupyter server on this server (Jupyter's REST API and websockets below it; Bearer auth)" }),
    state: Type.String({ description: 'running | exited | missing' }),
    log_path: Type.String(),
    app: Type.Union([Type.Literal('jupyterlab'), Type.Literal('jupyter_server')], { description: 'jupyterlab: a notebook opens at `<url>lab/tree/<file>`; jupyter_server: no notebook UI is installed (REST API; `<url>nbconvert/html/<file>` renders a notebook read-only)' }),
  }), Type.Null()], { description: 'null when the session has no Jupyter server (process runtime without Jupyter, BERTH_SESSION_JUPYTER=off, or a container runtime)' }),
  created_at: Type.String(),
  updated_at: Type.String(),
});
const StartBody = Type.Object({ runtime: Type.Optional(Type.Union(RUNTIMES.map((r) => Type.Literal(r)))) }, { additionalProperties: false });
const SessionServiceParams = Type.Object({ ...PipelineParams.properties, name: Type.String({ minLength: 1, maxLength: 63 }) });

/** A pipeline's interactive session: start (answers once every service is ready), status, stop, a service's log. */
export async function pipelineSessionRoutes(root: FastifyInstance, ctx: ServerContext): Promise<void> {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['sessions'];
  const config = { auth: 'project' as const };
  const base = '/api/projects/:project/pipelines/:pipeline/session';
  const fileOf = async (project: Parameters<ServerContext['projects']['read']>[0], pipeline: string) => (await ctx.projects.read(project, pipeline)).file;
  app.get('/api/projects/:project/sessions', {
    config,
    schema: {
      summary: "The project's pipeline sessions (interactive ones; a pipeline without one is simply absent)",
      tags,
      params: ProjectParams,
      response: { 200: Type.Object({ sessions: Type.Array(SessionView) }), ...errorResponses },
    },
  }, async (request) => {
    const project = request.project!;
    const sessions = (await ctx.engine.sessions.list()).filter((s) => s.project_uuid === project.uuid && s.uuid === interactiveSessionUuid(project.uuid, s.pipeline_uuid));
    return { sessions };
  });
  app.get('/api/sessions', {
    config: { auth: 'admin' as const },
    schema: { summary: 'Every session, newest first (admin: sessions of every project)', tags, response: { 200: Type.Object({ sessions: Type.Array(SessionView) }), ...errorResponses } },
  }, async () => ({ sessions: await ctx.engine.sessions.list() }));
  app.post(base, {
    config,
    preValidation: async (request) => {
      request.body ??= {};
    },
    schema: { summary: "Start the pipeline's session (its interactive services, each waited for until ready)", tags, params: PipelineParams, body: StartBody, response: { 201: SessionView, ...errorResponses } },
  }, async (request, reply) => {
    assertHostWorkloadAllowed(ctx.hostPolicy ?? 'workload-user', request.principal, request.body.runtime ?? ctx.engine.config.runtime, 'sessions');
    const git = sessionGitAccess(ctx.engine.git, ctx.engine.runtimes, request.principal!.tokenId);
    const view = await ctx.engine.sessions.start(await fileOf(request.project!, request.params.pipeline), { runtime: request.body.runtime as RuntimeName | undefined, git });
    return reply.status(201).send(view);
  });
  app.get(base, {
    config,
    schema: { summary: "The pipeline's session as it really is", tags, params: PipelineParams, response: { 200: SessionView, ...errorResponses } },
  }, async (request, reply) => {
    const file = await fileOf(request.project!, request.params.pipeline);
    // Its services run on another host: a server there sees them.
    const host = await ctx.engine.sessions.hostElsewhere(file);
    return host ? forwardToHost(ctx, request, reply, { host, what: `the session of ${request.params.pipeline}` }) : ctx.engine.sessions.status(file);
  });
  app.delete(base, {
    config,
    schema: { summary: "Stop the pipeline's session (named volumes stay)", tags, params: PipelineParams, response: { 200: SessionView, ...errorResponses } },
  }, async (request, reply) => {
    const file = await fileOf(request.project!, request.params.pipeline);
    const host = await ctx.engine.sessions.hostElsewhere(file);
    return host ? forwardToHost(ctx, request, reply, { host, what: `the session of ${request.params.pipeline}` }) : ctx.engine.sessions.stop(file);
  });
  app.get(`${base}/services/:name/logs`, {
    config,
    schema: { summary: "A session service's log: text/plain, or with follow=1 Server-Sent Events", tags, params: SessionServiceParams, ...logRouteSchema },
  }, async (request, reply) => {
    const follow = isFollow(request.query.follow);
    const file = await fileOf(request.project!, request.params.pipeline);
    const { name } = request.params;
    const host = await ctx.engine.sessions.hostElsewhere(file);
    if (host) return forwardToHost(ctx, request, reply, { host, what: `session service "${name}"` });
    return sendLog(request, reply, follow, async (signal) => chunkText(await ctx.engine.sessions.logs(file, name, { follow, signal })), async () => ({
      status: (await ctx.engine.sessions.status(file).catch(() => null))?.services.find((s) => s.name === name)?.state ?? 'missing',
    }));
  });
}
