import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { stopProjectWork } from '../../engine/stop-project-work.ts';
import { CreateProjectBody, DeleteProjectQuery, errorResponses, Project, ProjectParams, UpdateProjectBody } from '../api-schemas.ts';
import type { ServerContext } from '../server-context.ts';
import { closeProjectFolder } from '../../projects/close-project-folder.ts';

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
  }, async (request, reply) => {
    const project = await ctx.projects.create(request.body.name, request.body.path);
    if (ctx.hostPolicy === 'workload-user') closeProjectFolder(project.path);
    return reply.status(201).send(project);
  });
  app.get('/api/projects/:project', {
    config: { auth: 'project' },
    schema: { summary: 'Show a project', tags, params: ProjectParams, response: { 200: Project, ...errorResponses } },
  }, async (request) => request.project!);
  // Admin only: a new path points the project at any folder on the server.
  app.patch('/api/projects/:project', {
    config: { auth: 'admin' },
    schema: { summary: 'Rename a project or point it at another folder (files are not moved)', tags, params: ProjectParams, body: UpdateProjectBody, response: { 200: Project, ...errorResponses } },
  }, async (request) => {
    const project = await ctx.projects.update(await ctx.projects.find(request.params.project), request.body);
    if (ctx.hostPolicy === 'workload-user') closeProjectFolder(project.path);
    return project;
  });
  app.delete('/api/projects/:project', {
    config: { auth: 'admin' },
    schema: {
      summary: 'Unregister a project (its folder is kept); 409 while runs, sessions, jobs or services are active unless ?force=1, which stops them',
      tags,
      params: ProjectParams,
      querystring: DeleteProjectQuery,
      response: { 200: Project, ...errorResponses },
    },
  }, async (request) => {
    const project = await ctx.projects.find(request.params.project);
    const force = request.query.force === '1' || request.query.force === 'true';
    return ctx.projects.remove(project, { force, stop: (work) => stopProjectWork(ctx.engine, work, (name) => ctx.services.remove(project, name)) });
  });
}
