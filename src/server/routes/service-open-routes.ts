import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { BerthError } from '../../errors.ts';
import { safeNextPath } from '../../proxy/proxy-request.ts';
import { handOffLocation, sendRedirect } from '../../proxy/service-hand-off.ts';
import { errorResponses, ServiceParams } from '../api-schemas.ts';
import type { ServerContext } from '../server-context.ts';

/**
 * The web UI's way to open a service: an authenticated request (the UI's cookie from its own pages,
 * or a Bearer token) is answered with a redirect to the service's own origin carrying a one-time
 * ticket; the user's token never leaves this origin.
 */
export async function serviceOpenRoutes(root: FastifyInstance, opts: ServerContext & { servicesDomain?: string }): Promise<void> {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  app.get('/api/projects/:project/services/:name/open', {
    config: { auth: 'project' },
    schema: {
      summary: 'Open a service in the browser, on its own origin',
      description: "Redirects (303) to `<name>--<project>--<port>.<services domain>/.berth/open?ticket=…`. The ticket is single-use, lasts 60 s and is stored hashed; redeeming it sets a host-only `berth_service_session` cookie valid for this service only (12 h; ended by revoking the token or removing the service). Public services get a plain redirect. Works for project services and exposed session services (`<service>-<session uuid>`). 409 when the server has no services domain.",
      tags: ['services'],
      params: ServiceParams,
      querystring: Type.Object({
        port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535, description: "a declared port (default: the service's first)" })),
        next: Type.Optional(Type.String({ maxLength: 2048, description: 'the path to land on (default "/")' })),
      }),
      response: { 303: Type.Null(), ...errorResponses },
    },
  }, async (request, reply) => {
    const project = request.project!;
    const { name } = request.params;
    const next = safeNextPath(request.query.next);
    if (next === null) {
      throw new BerthError('BERTH_E_INVALID_ARGUMENT', 'next must be a path on the service', { problems: [{ path: 'querystring.next', message: 'not a local absolute path', fix: 'give a path such as "/" or "/lab?x=1"' }] });
    }
    const route = await opts.services.route(project, name, request.query.port ?? 0);
    if (!route) {
      throw new BerthError('BERTH_E_SERVICE_NOT_FOUND', `project "${project.name}" has no service "${name}"${request.query.port ? ` with port ${request.query.port}` : ''}`, {
        problems: [{ path: 'name', message: 'unknown service or undeclared port', fix: `see GET /api/projects/${project.name}/services` }],
      });
    }
    const port = request.query.port ?? route.definition.ports[0]!;
    const principal = route.definition.requires_authentication === false ? null : request.principal;
    return sendRedirect(reply, await handOffLocation(opts, { project, route, name, port, next, principal, domain: opts.servicesDomain, proto: request.protocol, requestHost: request.headers.host }));
  });
}
