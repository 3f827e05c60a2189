import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { BuildPage, BuildsQuery, errorResponses } from '../api-schemas.ts';
import type { ServerContext } from '../server-context.ts';

/** Environment image builds of every project (admin: they name project folders), newest first. */
export async function buildRoutes(root: FastifyInstance, ctx: ServerContext): Promise<void> {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  app.get('/api/builds', {
    config: { auth: 'admin' },
    schema: { summary: 'Environment image builds, newest first (PENDING ones wait for a build slot; paginated)', tags: ['builds'], querystring: BuildsQuery, response: { 200: BuildPage, ...errorResponses } },
  }, async (request) => ctx.engine.builds.list(request.query));
}
