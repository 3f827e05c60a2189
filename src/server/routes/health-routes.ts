import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';

/** Liveness (no token) and the OpenAPI document generated from the route schemas. */
export async function healthRoutes(app: FastifyInstance, opts: { version: string; runtime: string }): Promise<void> {
  app.get('/api/health', {
    config: { auth: 'public' },
    schema: { summary: 'Liveness', tags: ['server'], response: { 200: Type.Object({ status: Type.Literal('ok'), version: Type.String(), runtime: Type.String() }) } },
  }, async () => ({ status: 'ok' as const, version: opts.version, runtime: opts.runtime }));
  app.get('/api/openapi.json', { config: { auth: 'public' }, schema: { hide: true } }, async () => app.swagger());
}
