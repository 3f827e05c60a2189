import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { SERVICE_TEMPLATES } from '../../core/service-templates.ts';
import { errorResponses, ProjectParams } from '../api-schemas.ts';
import type { ServerContext } from '../server-context.ts';

const ServiceTemplate = Type.Object({
  name: Type.String(),
  description: Type.String(),
  definition: Type.Object({}, { additionalProperties: true, description: "a pipeline file's service definition (Orchest's `services` entry, with Berth's extras)" }),
});

/** The built-in service templates (`berth service template list`), for adding a service to a pipeline in the editor. */
export async function serviceTemplateRoutes(root: FastifyInstance, _ctx: ServerContext): Promise<void> {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  app.get('/api/projects/:project/service-templates', {
    config: { auth: 'project' },
    schema: {
      summary: "The built-in service templates a pipeline's services can start from",
      tags: ['pipelines'],
      params: ProjectParams,
      response: { 200: Type.Object({ templates: Type.Array(ServiceTemplate) }), ...errorResponses },
    },
  }, async () => ({ templates: SERVICE_TEMPLATES.map((t) => ({ ...t, definition: { ...t.definition } })) }));
}
