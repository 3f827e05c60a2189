import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { EnvVarTarget } from '../../projects/env-vars.ts';
import { errorResponses, PipelineParams, ProjectParams } from '../api-schemas.ts';
import type { ServerContext } from '../server-context.ts';

const EnvVarInfo = Type.Object({
  name: Type.String(),
  scope: Type.String({ description: '"project", or the pipeline\'s uuid' }),
  value: Type.Literal('********', { description: 'values are never returned' }),
  updated_at: Type.String(),
});
const NameParam = { name: Type.String({ minLength: 1, maxLength: 255 }) };
const ValueBody = Type.Object({ value: Type.String({ maxLength: 65536 }) }, { additionalProperties: false });

/**
 * Project and pipeline environment variables (secrets): set, list (names only, values masked),
 * remove. Steps get them; services only through env_variables_inherit.
 */
export async function envVarRoutes(root: FastifyInstance, ctx: ServerContext): Promise<void> {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['environment variables'];
  const config = { auth: 'project' as const };
  const scopes = [
    { base: '/api/projects/:project/env-vars', params: ProjectParams, what: 'project' },
    { base: '/api/projects/:project/pipelines/:pipeline/env-vars', params: PipelineParams, what: 'pipeline' },
  ] as const;
  for (const { base, params, what } of scopes) {
    const target = async (request: FastifyRequest): Promise<EnvVarTarget> => {
      const project = request.project!;
      const pipeline = (request.params as { pipeline?: string }).pipeline;
      return pipeline === undefined ? { projectUuid: project.uuid } : { projectUuid: project.uuid, pipelineUuid: (await ctx.projects.read(project, pipeline)).pipeline.uuid };
    };
    const withName = Type.Object({ ...params.properties, ...NameParam });
    app.get(base, {
      config,
      schema: { summary: `List the ${what}'s variables (values masked)`, tags, params, response: { 200: Type.Object({ variables: Type.Array(EnvVarInfo) }), ...errorResponses } },
    }, async (request) => ({ variables: await ctx.engine.envVars.list(await target(request)) }));
    app.put(`${base}/:name`, {
      config,
      schema: { summary: `Set a ${what} variable`, tags, params: withName, body: ValueBody, response: { 200: EnvVarInfo, ...errorResponses } },
    }, async (request) => ctx.engine.envVars.set(await target(request), request.params.name, request.body.value));
    app.delete(`${base}/:name`, {
      config,
      schema: { summary: `Remove a ${what} variable`, tags, params: withName, response: { 204: Type.Null(), ...errorResponses } },
    }, async (request, reply) => {
      await ctx.engine.envVars.remove(await target(request), request.params.name);
      return reply.status(204).send(null);
    });
  }
}
