import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { CreateProjectBody, errorResponses, Project, ProjectParams } from '../api-schemas.ts';
import type { ServerContext } from '../server-context.ts';

/** Projects: a name for a folder on the server. `{project}` is the name or the uuid. */
export async function projectRoutes(root: FastifyInstance, ctx: ServerContext): Promise<void> {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['projects'];
  app.get('/api/projects', {
    config: { auth: 'admin' },
    schema: { summary: 'List projects', tags, response: { 200: Type.Object({ projects: Type.Array(Project) }), ...errorResponses } },
  }, async () => ({ projects: await ctx.projects.list() }));
  app.post('/api/projects', {
    config: { auth: 'admin' },
    schema: { summary: 'Register a project folder', tags, body: CreateProjectBody, response: { 201: Project, ...errorResponses } },
  }, async (request, reply) => reply.status(201).send(await ctx.projects.create(request.body.name, request.body.path)));
  app.get('/api/projects/:project', {
    config: { auth: 'project' },
    schema: { summary: 'Show a project', tags, params: ProjectParams, response: { 200: Project, ...errorResponses } },
  }, async (request) => request.project!);
}
