import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { BerthError } from '../../errors.ts';
import { MAX_PROJECT_FILE_BYTES, ProjectFiles } from '../../projects/project-files.ts';
import { errorResponses, ProjectParams } from '../api-schemas.ts';
import type { ServerContext } from '../server-context.ts';

const FileEntry = Type.Object({
  path: Type.String({ description: 'relative to the project folder, "/" between names' }),
  type: Type.Union([Type.Literal('file'), Type.Literal('folder'), Type.Literal('link')]),
  size: Type.Integer({ description: 'bytes (0 for folders and links)' }),
});
const StepRef = Type.Object({
  pipeline: Type.String({ description: 'the pipeline file, relative to the project folder' }),
  pipeline_name: Type.String(),
  step_uuid: Type.String(),
  title: Type.String(),
  file_path: Type.String({ description: "the step's file_path (relative to its pipeline file's folder)" }),
});
const RenamedEntry = Type.Object({
  ...FileEntry.properties,
  updated_steps: Type.Array(Type.Object({ ...StepRef.properties, new_file_path: Type.String() }), { description: 'the steps whose file_path was rewritten to the new path' }),
});
const FileParams = Type.Object({
  project: ProjectParams.properties.project,
  '*': Type.String({ minLength: 1, maxLength: 1024, description: 'the file\'s path in the project, e.g. "data/input.csv"' }),
});
const Flag = Type.Optional(Type.Union([Type.Literal('0'), Type.Literal('1'), Type.Literal('true'), Type.Literal('false')]));
const isOn = (v: string | undefined) => v === '1' || v === 'true';

/**
 * The project's files for the editor's file tree: list, read, upload/create (raw bytes,
 * application/octet-stream, at most 16 MiB: 413 above), rename, delete. Paths never leave the
 * project folder (ProjectFiles); a project token reaches only its own project.
 */
export async function projectFileRoutes(root: FastifyInstance, ctx: ServerContext): Promise<void> {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['files'];
  const config = { auth: 'project' as const };
  // Uploads are raw bytes; the limit is checked from Content-Length before the body is read (and by Fastify while reading).
  app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer', bodyLimit: MAX_PROJECT_FILE_BYTES }, (_req: FastifyRequest, body: Buffer, done: (err: Error | null, value?: unknown) => void) => done(null, body));
  const refuseLarge = async (request: FastifyRequest) => {
    const length = Number(request.headers['content-length'] ?? 0);
    if (length > MAX_PROJECT_FILE_BYTES) throw tooLarge(length);
  };
  const files = (request: FastifyRequest) => new ProjectFiles(request.project!.path);
  const changes = (request: FastifyRequest) => ctx.engine.projects.fileChanges(request.project!);

  app.get('/api/projects/:project/files', {
    config,
    schema: { summary: "List the project's files and folders (symlinks not followed; .git, node_modules, .venv skipped)", tags, params: ProjectParams, response: { 200: Type.Object({ files: Type.Array(FileEntry), truncated: Type.Boolean() }), ...errorResponses } },
  }, async (request) => files(request).list());
  app.get('/api/projects/:project/files/*', {
    config,
    schema: { summary: 'Read a project file (its bytes, application/octet-stream; at most 16 MiB)', tags, params: FileParams, response: { 200: Type.Unknown({ description: 'the bytes of the file' }), ...errorResponses } },
  }, async (request, reply) => reply.type('application/octet-stream').header('x-content-type-options', 'nosniff').header('content-disposition', 'attachment').send(await files(request).read(request.params['*'])));
  app.put('/api/projects/:project/files/*', {
    config,
    preParsing: async (request) => refuseLarge(request),
    bodyLimit: MAX_PROJECT_FILE_BYTES,
    schema: {
      summary: 'Create or replace a project file with the request body (raw bytes, Content-Type: application/octet-stream; at most 16 MiB). Pipeline files go through PUT …/pipelines/{path}',
      tags,
      params: FileParams,
      querystring: Type.Object({ overwrite: Flag }),
      response: { 200: FileEntry, 201: FileEntry, ...errorResponses },
    },
  }, async (request, reply) => {
    const body = (request.body ?? Buffer.alloc(0)) as unknown;
    if (!Buffer.isBuffer(body)) {
      throw new BerthError('BERTH_E_INVALID_ARGUMENT', "the file's bytes must be sent as the body with Content-Type: application/octet-stream", {
        problems: [{ path: 'body', message: 'not raw bytes', fix: 'send the file as the body with Content-Type: application/octet-stream (an empty body makes an empty file)' }],
      });
    }
    const { created, entry } = await files(request).write(request.params['*'], body, { overwrite: isOn(request.query.overwrite) });
    return reply.status(created ? 201 : 200).send(entry);
  });
  app.patch('/api/projects/:project/files/*', {
    config,
    schema: {
      summary: "Rename (move) a project file or folder; the new path must not exist. Steps of the project's pipelines that use it get the new file_path (checked first; all or nothing)",
      tags,
      params: FileParams,
      body: Type.Object({ to: Type.String({ minLength: 1, maxLength: 1024, description: 'the new path in the project' }) }, { additionalProperties: false }),
      response: { 200: RenamedEntry, ...errorResponses },
    },
  }, async (request) => changes(request).rename(request.params['*'], request.body.to));
  app.get('/api/projects/:project/file-steps/*', {
    config,
    schema: {
      summary: "The steps of the project's pipelines whose file is this path (or inside this folder)",
      tags,
      params: FileParams,
      response: { 200: Type.Object({ path: Type.String(), steps: Type.Array(StepRef) }), ...errorResponses },
    },
  }, async (request) => ({ path: request.params['*'], steps: await changes(request).stepsUsing(request.params['*']) }));
  app.delete('/api/projects/:project/files/*', {
    config,
    schema: {
      summary: 'Delete a project file or link (never what a link points to), or a folder (empty, or with recursive=1 everything in it). A file steps use is refused (409 naming them in `steps`) unless force=1',
      tags,
      params: FileParams,
      querystring: Type.Object({ recursive: Flag, force: Flag }),
      response: { 200: FileEntry, ...errorResponses },
    },
  }, async (request) => changes(request).remove(request.params['*'], { recursive: isOn(request.query.recursive), force: isOn(request.query.force) }));
}

function tooLarge(bytes: number): BerthError {
  return new BerthError('BERTH_E_BODY_TOO_LARGE', `the upload is ${bytes} bytes; project files are at most ${MAX_PROJECT_FILE_BYTES} bytes (16 MiB)`, {
    problems: [{ path: 'body', message: `larger than ${MAX_PROJECT_FILE_BYTES} bytes`, fix: 'put large data outside the project (e.g. /data) and read it from the step' }],
  });
}
