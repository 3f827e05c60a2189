import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { parseServiceDefinition } from '../../services/service-definition.ts';
import { DeployQuery, errorResponses, logRouteSchema, ProjectParams, ServiceInfo, ServiceParams } from '../api-schemas.ts';
import { chunkText, isFollow, sendLog } from '../send-log.ts';
import type { ServerContext } from '../server-context.ts';
import { assertHostWorkloadAllowed } from '../../auth/host-workload-policy.ts';
import { askHostJson, forwardToHost } from '../forward-to-host.ts';

/** Project services, ML Lab style: deploy (ML Lab's query form or a full definition), list, show, logs, remove. */
export async function serviceRoutes(root: FastifyInstance, ctx: ServerContext): Promise<void> {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['services'];
  const config = { auth: 'project' as const };
  app.post('/api/projects/:project/services', {
    config,
    // ML Lab's form may come without a body: that is an empty environment.
    preValidation: async (request) => {
      request.body ??= {};
    },
    schema: {
      summary: 'Deploy a project service',
      description: 'Either ML Lab\'s form (`?image=…&name=…`, body = environment variables) or a Berth/Orchest service definition as the body.',
      tags,
      params: ProjectParams,
      querystring: DeployQuery,
      body: Type.Object({}, { additionalProperties: true }),
      response: { 201: ServiceInfo, ...errorResponses },
    },
  }, async (request, reply) => {
    const def = parseServiceDefinition(request.body, request.query);
    assertHostWorkloadAllowed(ctx.hostPolicy ?? 'workload-user', request.principal, ctx.engine.config.runtime, 'services');
    return reply.status(201).send(await ctx.services.deploy(request.project!, def));
  });
  app.get('/api/projects/:project/services', {
    config,
    schema: { summary: "List a project's services", tags, params: ProjectParams, response: { 200: Type.Object({ services: Type.Array(ServiceInfo) }), ...errorResponses } },
  }, async (request) => {
    const project = request.project!;
    const services = await ctx.services.list(project);
    // Those on another host: as a server there sees them (or "unknown" when none answers).
    return {
      services: await Promise.all(services.map(async (s) => (s.status === 'unknown' && s.host !== null ? (((await askHostJson(ctx, request, { host: s.host, what: `service "${s.name}"`, url: `/api/projects/${project.uuid}/services/${encodeURIComponent(s.name)}` })) as typeof s | null) ?? s) : s))),
    };
  });
  app.get('/api/projects/:project/services/:name', {
    config,
    schema: { summary: 'Show a service', tags, params: ServiceParams, response: { 200: ServiceInfo, ...errorResponses } },
  }, async (request, reply) => {
    const host = await ctx.services.hostElsewhere(request.project!, request.params.name);
    return host ? forwardToHost(ctx, request, reply, { host, what: `service "${request.params.name}"` }) : ctx.services.get(request.project!, request.params.name);
  });
  app.delete('/api/projects/:project/services/:name', {
    config,
    schema: { summary: 'Stop and remove a service (its token is revoked)', tags, params: ServiceParams, response: { 204: Type.Null(), ...errorResponses } },
  }, async (request, reply) => {
    // Its workload is on another host: a server there stops it.
    const host = await ctx.services.hostElsewhere(request.project!, request.params.name);
    if (host) return forwardToHost(ctx, request, reply, { host, what: `service "${request.params.name}"` });
    await ctx.services.remove(request.project!, request.params.name);
    return reply.status(204).send(null);
  });
  app.get('/api/projects/:project/services/:name/logs', {
    config,
    schema: {
      summary: "A service's log: text/plain, or with follow=1 Server-Sent Events",
      tags,
      params: ServiceParams,
      ...logRouteSchema,
    },
  }, async (request, reply) => {
    const follow = isFollow(request.query.follow);
    const project = request.project!;
    const { name } = request.params;
    // Its log is on another host (a container's, or a file on that host): a server there streams it.
    const host = await ctx.services.hostElsewhere(project, name);
    if (host) return forwardToHost(ctx, request, reply, { host, what: `service "${name}"` });
    return sendLog(request, reply, follow, async (signal) => chunkText(await ctx.services.logs(project, name, { follow, signal })), async () => ({ status: (await ctx.services.get(project, name).catch(() => null))?.status ?? 'removed' }));
  });
}
