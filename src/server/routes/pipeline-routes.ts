import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { errorResponses, PipelineDocument, PipelineParams, PipelineSourceView, PipelineSummary, ProjectParams, ValidateBody, ValidationReport } from '../api-schemas.ts';
import { insideRoot } from '../../projects/inside-root.ts';
import { missingStepFiles } from '../../projects/pipeline-source.ts';
import type { ServerContext } from '../server-context.ts';

/** Pipeline files of a project: list, read (migrated to 1.2.3), write (validated, written as 1.2.3), validate. */
export async function pipelineRoutes(root: FastifyInstance, ctx: ServerContext): Promise<void> {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['pipelines'];
  const config = { auth: 'project' as const };
  app.get('/api/projects/:project/pipelines', {
    config,
    schema: { summary: "List the project's .orchest files", tags, params: ProjectParams, response: { 200: Type.Object({ pipelines: Type.Array(PipelineSummary) }), ...errorResponses } },
  }, async (request) => ({ pipelines: ctx.projects.pipelines(request.project!) }));
  app.get('/api/projects/:project/pipelines/:pipeline', {
    config,
    schema: { summary: 'Read a pipeline (migrated to version 1.2.3)', tags, params: PipelineParams, response: { 200: Type.Object({ path: Type.String(), pipeline: PipelineDocument }), ...errorResponses } },
  }, async (request) => {
    const { path, pipeline } = ctx.projects.read(request.project!, request.params.pipeline);
    return { path, pipeline };
  });
  app.get('/api/projects/:project/pipelines/:pipeline/source', {
    config,
    schema: {
      summary: 'A pipeline file as the editor opens it, valid or not: its text, its JSON (or where the JSON breaks) and every problem',
      tags,
      params: PipelineParams,
      response: { 200: PipelineSourceView, ...errorResponses },
    },
  }, async (request) => ctx.projects.source(request.project!, request.params.pipeline));
  app.put('/api/projects/:project/pipelines/:pipeline', {
    config,
    schema: {
      summary: 'Write a pipeline file (validated; written as Orchest 1.2.3)',
      tags,
      params: PipelineParams,
      body: PipelineDocument,
      response: { 200: Type.Object({ path: Type.String(), pipeline: PipelineDocument }), 201: Type.Object({ path: Type.String(), pipeline: PipelineDocument }), ...errorResponses },
    },
  }, async (request, reply) => {
    const { created, pipeline } = await ctx.projects.write(request.project!, request.params.pipeline, request.body);
    return reply.status(created ? 201 : 200).send({ path: request.params.pipeline, pipeline });
  });
  app.delete('/api/projects/:project/pipelines/:pipeline', {
    config,
    schema: {
      summary: 'Delete a pipeline file (by path or uuid); its runs and outputs are kept',
      tags,
      params: PipelineParams,
      response: { 200: Type.Object({ path: Type.String(), uuid: Type.Union([Type.String(), Type.Null()]) }), ...errorResponses },
    },
  }, async (request) => ctx.projects.removePipeline(request.project!, request.params.pipeline));
  app.post('/api/projects/:project/pipelines/validate', {
    config,
    schema: { summary: 'Validate a pipeline document without writing it', tags, params: ProjectParams, body: ValidateBody, response: { 200: ValidationReport, ...errorResponses } },
  }, async (request) => {
    const path = request.body.path ?? 'pipeline.orchest';
    const checked = ctx.projects.validate(request.project!, request.body.pipeline, path);
    const { pipeline } = checked;
    const problems = [...checked.problems, ...missingStepFiles(request.project!.path, insideRoot(request.project!.path, path, 'path'), request.body.pipeline as Record<string, unknown>, checked.problems)];
    const ok = pipeline !== null && problems.length === 0;
    return {
      valid: ok,
      pipeline: ok ? { uuid: pipeline.uuid, name: pipeline.name, version: pipeline.version } : null,
      steps: ok ? Object.keys(pipeline.steps).length : 0,
      services: ok ? Object.keys(pipeline.services ?? {}).length : 0,
      problems,
    };
  });
}
