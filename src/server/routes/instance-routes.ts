import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { isAbsolute } from 'node:path';
import { BerthError } from '../../errors.ts';
import { errorResponses, logRouteSchema } from '../api-schemas.ts';
import { InstanceParams, InstanceView, StartInstanceBody, StopInstanceBody } from '../instance-api-schemas.ts';
import { isFollow, sendLog } from '../send-log.ts';
import type { ServerContext } from '../server-context.ts';

/**
 * Named background instances (`berth instance`) of the server's OS user: list with status, show,
 * logs (text or SSE follow), start, stop. Instances run commands on the server's host, and they
 * belong to the OS user rather than to a project, so every route needs an admin token.
 */
export async function instanceRoutes(root: FastifyInstance, ctx: ServerContext): Promise<void> {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['instances'];
  const config = { auth: 'admin' as const };
  const instances = ctx.engine.instances;
  app.get('/api/instances', {
    config,
    schema: { summary: 'List the running instances with their status and health', tags, response: { 200: Type.Object({ instances: Type.Array(InstanceView) }), ...errorResponses } },
  }, async () => ({ instances: await instances.list() }));
  app.get('/api/instances/:instance', {
    config,
    schema: { summary: 'Show one running instance', tags, params: InstanceParams, response: { 200: InstanceView, ...errorResponses } },
  }, async (request) => instances.find(request.params.instance));
  app.post('/api/instances', {
    config,
    schema: {
      summary: 'Start a named instance (answers once it runs)',
      description: 'As `berth instance start`: on the process runtime `image` is "host" and `args` is the command; on container runtimes `image` is an image and `args` replaces its command.',
      tags,
      body: StartInstanceBody,
      response: { 201: InstanceView, ...errorResponses },
    },
  }, async (request, reply) => {
    const body = request.body;
    if (body.cwd !== undefined && !isAbsolute(body.cwd)) {
      throw new BerthError('BERTH_E_INVALID_ARGUMENT', `cwd "${body.cwd}" is not an absolute path`, {
        problems: [{ path: 'cwd', message: 'must be absolute', fix: 'give the folder on the server as an absolute path, e.g. /srv/app' }],
      });
    }
    const started = await instances.start({
      name: body.name,
      image: body.image ?? 'host',
      args: body.args ?? [],
      runtime: body.runtime ?? ctx.engine.config.runtime,
      cwd: body.cwd ?? ctx.engine.config.home,
      env: body.env ?? {},
      binds: [],
      ports: body.ports ?? [],
      restart: body.restart ?? 'no',
      health: null,
    });
    return reply.status(201).send(await instances.find(started.name));
  });
  app.post('/api/instances/:instance/stop', {
    config,
    // A stop without a body takes the defaults.
    preValidation: async (request) => {
      request.body ??= {};
    },
    schema: {
      summary: 'Stop an instance: the signal, then SIGKILL after the grace period',
      tags,
      params: InstanceParams,
      body: StopInstanceBody,
      response: { 200: Type.Object({ stopped: Type.Array(Type.String()) }), ...errorResponses },
    },
  }, async (request) => {
    const body = request.body;
    const graceMs = body.grace_seconds === undefined ? ctx.engine.config.stopGraceMs : body.grace_seconds * 1000;
    return { stopped: await instances.stop(request.params.instance, { signal: body.signal ?? 'SIGINT', graceMs }) };
  });
  app.get('/api/instances/:instance/logs', {
    config,
    schema: {
      summary: "An instance's stdout and stderr: text/plain, or with follow=1 Server-Sent Events until it is gone (kept after stop)",
      tags,
      params: InstanceParams,
      ...logRouteSchema,
    },
  }, async (request, reply) => {
    const name = request.params.instance;
    const follow = isFollow(request.query.follow);
    return sendLog(request, reply, follow, async (signal) => pieceData(await instances.logs(name, { follow, signal })), async () => {
      const running = await instances.list(name);
      return { status: running[0]?.status ?? 'stopped' };
    });
  });
}

async function* pieceData(pieces: AsyncIterable<{ data: Buffer }>): AsyncGenerator<Buffer> {
  for await (const p of pieces) yield p.data;
}
