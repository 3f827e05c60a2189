import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { CreateTokenBody, errorResponses, TokenInfo, TokenParams } from '../api-schemas.ts';
import type { ServerContext } from '../server-context.ts';

/** Project-scoped tokens (admin only). The secret is in the create response and nowhere else. */
export async function tokenRoutes(root: FastifyInstance, ctx: ServerContext): Promise<void> {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['tokens'];
  const config = { auth: 'admin' as const };
  app.get('/api/tokens', {
    config,
    schema: { summary: 'List live tokens', tags, response: { 200: Type.Object({ tokens: Type.Array(TokenInfo) }), ...errorResponses } },
  }, async () => ({ tokens: await ctx.tokens.list() }));
  app.post('/api/tokens', {
    config,
    schema: { summary: 'Create a project token (the secret is shown once)', tags, body: CreateTokenBody, response: { 201: Type.Object({ token: Type.String(), info: TokenInfo }), ...errorResponses } },
  }, async (request, reply) => {
    const project = await ctx.projects.find(request.body.project);
    const { secret, token } = await ctx.tokens.create({ name: request.body.name, scope: 'project', projectUuid: project.uuid });
    return reply.status(201).send({ token: secret, info: token });
  });
  app.delete('/api/tokens/:id', {
    config,
    schema: { summary: 'Revoke a token', tags, params: TokenParams, response: { 200: TokenInfo, ...errorResponses } },
  }, async (request) => ctx.tokens.revoke(request.params.id));
}
