import { existsSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { environmentView as view, projectEnvironments } from '../../environments/project-environments.ts';
import { BerthError } from '../../errors.ts';
import { errorResponses, logRouteSchema, Nullable, ProjectParams } from '../api-schemas.ts';
import { isFollow, sendLog } from '../send-log.ts';
import type { ServerContext } from '../server-context.ts';

const FOLLOW_POLL_MS = 250;
const BuildSummary = Type.Object({
  uuid: Type.String(),
  image: Type.String(),
  status: Type.String({ description: 'PENDING | STARTED | SUCCESS | FAILURE' }),
  reason: Nullable(Type.String()),
  created_at: Type.String(),
  started_at: Nullable(Type.String()),
  finished_at: Nullable(Type.String()),
});
const EnvironmentView = Type.Object({
  uuid: Type.String(),
  name: Type.String(),
  language: Type.String(),
  base_image: Type.String(),
  gpu_support: Type.Boolean(),
  has_setup_script: Type.Boolean(),
  problem: Nullable(Type.String()),
  pipelines: Type.Array(Type.Object({ path: Type.String(), name: Nullable(Type.String()), steps: Type.Integer() }), { description: 'the pipelines with steps that use it' }),
  build: Type.Union([BuildSummary, Type.Null()], { description: 'its newest image build for this project' }),
});
const EnvironmentParams = Type.Object({ project: ProjectParams.properties.project, environment: Type.String({ minLength: 1, maxLength: 64 }) });

/** A project's environments (Orchest's), which pipelines use each, their newest build and its log (followed while it builds). */
export async function environmentRoutes(root: FastifyInstance, ctx: ServerContext & { background: (p: Promise<unknown>) => void }): Promise<void> {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['environments'];
  const config = { auth: 'project' as const };
  const list = async (project: NonNullable<Parameters<ServerContext['projects']['pipelines']>[0]>) =>
    projectEnvironments(project.path, (await ctx.projects.pipelines(project)).map((p) => p.path), ctx.engine.builds);
  app.get('/api/projects/:project/environments', {
    config,
    schema: { summary: "The project's environments, the pipelines that use each and each one's newest image build", tags, params: ProjectParams, response: { 200: Type.Object({ environments: Type.Array(EnvironmentView) }), ...errorResponses } },
  }, async (request) => ({
    environments: (await list(request.project!)).map(view),
  }));
  app.post('/api/projects/:project/environments/:environment/build', {
    config,
    schema: {
      summary: "Build the environment's image (Docker) unless it is up to date; answers 202 at once, follow its log at …/build/logs?follow=1",
      tags,
      params: EnvironmentParams,
      response: { 202: Type.Object({ environment: EnvironmentView }), ...errorResponses },
    },
  }, async (request, reply) => {
    const project = request.project!;
    const env = (await list(project)).find((e) => e.uuid === request.params.environment);
    if (!env) throw noEnvironment(project.name, request.params.environment);
    const done = ctx.engine.buildEnvironments(join(project.path, '.orchest', 'environments', env.uuid), {});
    ctx.background(done.catch(() => undefined));
    // A build that cannot start (Docker unreachable, a bad environment) answers with its error.
    const failure = await Promise.race([done.then(() => null, (e: unknown) => e), sleep(400).then(() => null)]);
    if (failure) throw failure;
    const now = (await list(project)).find((e) => e.uuid === env.uuid) ?? env;
    return reply.status(202).send({ environment: view(now) });
  });
  app.get('/api/projects/:project/environments/:environment/build/logs', {
    config,
    schema: { summary: "The log of an environment's newest build: text/plain, or with follow=1 Server-Sent Events until the build ends", tags, params: EnvironmentParams, ...logRouteSchema },
  }, async (request, reply) => {
    const project = request.project!;
    const find = async () => (await list(project)).find((e) => e.uuid === request.params.environment);
    const env = await find();
    if (!env) throw noEnvironment(project.name, request.params.environment);
    if (!env.build) {
      throw new BerthError('BERTH_E_ENV_NOT_FOUND', `environment "${env.name}" has not been built yet`, {
        problems: [{ path: 'environment', message: 'no build of this environment yet', fix: 'run a step that uses it on the docker runtime, or `berth env build`' }],
      });
    }
    const build = env.build;
    const follow = isFollow(request.query.follow);
    const status = async () => (await find())?.build?.status ?? build.status;
    return sendLog(request, reply, follow, (signal) => fileChunks(build.log_path, { follow, signal, live: async () => ['PENDING', 'STARTED'].includes(await status()) }), async () => ({ status: await status() }));
  });
}

function noEnvironment(project: string, uuid: string): BerthError {
  return new BerthError('BERTH_E_ENV_NOT_FOUND', `project "${project}" has no environment ${uuid}`, {
    problems: [{ path: 'environment', message: 'no such environment in .orchest/environments/', fix: 'see GET /api/projects/{project}/environments' }],
  });
}

/** A log file's bytes from the start; with `follow`, more as they are written, until `live()` says it is done. */
async function* fileChunks(path: string, opts: { follow: boolean; signal: AbortSignal; live: () => Promise<boolean> }): AsyncGenerator<Buffer> {
  let offset = 0;
  for (;;) {
    const done = !opts.follow || !(await opts.live());
    if (existsSync(path)) {
      const fh = await open(path, 'r');
      try {
        for (;;) {
          const buf = Buffer.alloc(64 * 1024);
          const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
          if (bytesRead === 0) break;
          offset += bytesRead;
          yield buf.subarray(0, bytesRead);
        }
      } finally {
        await fh.close();
      }
    }
    if (done || opts.signal.aborted) return;
    await sleep(FOLLOW_POLL_MS, undefined, { signal: opts.signal }).catch(() => undefined);
  }
}
