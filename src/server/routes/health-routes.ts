import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { HelperHealth } from '../../runtimes/driver.ts';

/** Liveness (no token) and the OpenAPI document generated from the route schemas. */
const Helper = Type.Object({
  name: Type.String(),
  state: Type.Union([Type.Literal('ok'), Type.Literal('restarted'), Type.Literal('down')]),
  restarts: Type.Integer(),
  reason: Type.Optional(Type.String()),
});

/** Liveness: `degraded` while a helper process (the process launcher) is down or was just replaced. */
export async function healthRoutes(app: FastifyInstance, opts: { version: string; runtime: string; helpers?: () => Promise<HelperHealth[]> }): Promise<void> {
  app.get('/api/health', {
    config: { auth: 'public' },
    schema: {
      summary: 'Liveness, and the state of helper processes',
      tags: ['server'],
      response: { 200: Type.Object({ status: Type.Union([Type.Literal('ok'), Type.Literal('degraded')]), version: Type.String(), runtime: Type.String(), helpers: Type.Array(Helper) }) },
    },
  }, async () => {
    const helpers = (await opts.helpers?.()) ?? [];
    return { status: helpers.every((h) => h.state === 'ok') ? ('ok' as const) : ('degraded' as const), version: opts.version, runtime: opts.runtime, helpers };
  });
  app.get('/api/openapi.json', { config: { auth: 'public' }, schema: { hide: true } }, async () => app.swagger());
}
