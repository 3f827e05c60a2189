import { STATUSES } from '../core/statuses.ts';
import { Type } from 'typebox';
import { RUNTIMES } from '../config/config.ts';

/** The schemas the API validates with; the OpenAPI document is generated from the same objects. */

const Problem = Type.Object({ path: Type.String(), message: Type.String(), fix: Type.Optional(Type.String()) });

export const ErrorBody = Type.Object(
  { error: Type.Object({ code: Type.String(), message: Type.String(), problems: Type.Array(Problem) }, { additionalProperties: true }) },
  { $id: 'Error', description: 'Every error: a stable BERTH_E_* code, a message, and the problems with the field path and the fix.' },
);

/** Standard error responses, referenced by every route. */
export const errorResponses = {
  400: Type.Ref('Error'),
  401: Type.Ref('Error'),
  403: Type.Ref('Error'),
  404: Type.Ref('Error'),
  409: Type.Ref('Error'),
};

export const ProjectParams = Type.Object({ project: Type.String({ minLength: 1, maxLength: 100, description: 'project name or uuid' }) });

export const Project = Type.Object({ uuid: Type.String(), name: Type.String(), path: Type.String(), created_at: Type.String() });

export const CreateProjectBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 63, description: 'letters, digits, ".", "_", "-"' }),
    path: Type.String({ minLength: 1, maxLength: 4096, description: 'absolute path of the project folder on the server' }),
  },
  { additionalProperties: false },
);

export const PipelineSummary = Type.Object({
  path: Type.String(),
  uuid: Type.Union([Type.String(), Type.Null()]),
  name: Type.Union([Type.String(), Type.Null()]),
  valid: Type.Boolean(),
  problems: Type.Integer(),
});

export const UpdateProjectBody = Type.Object(
  {
    name: Type.Optional(CreateProjectBody.properties.name),
    path: Type.Optional(Type.String({ minLength: 1, maxLength: 4096, description: 'absolute path of another folder on the server (the files are not moved)' })),
  },
  { additionalProperties: false },
);

export const DeleteProjectQuery = Type.Object({
  force: Type.Optional(Type.Union([Type.Literal('1'), Type.Literal('true'), Type.Literal('0'), Type.Literal('false')], { description: '1: stop its active runs, sessions, jobs and services first' })),
});

export const PipelineParams = Type.Object({
  project: ProjectParams.properties.project,
  pipeline: Type.String({ minLength: 1, maxLength: 1024, description: 'path of the .orchest file in the project (URL-encoded) or the pipeline uuid' }),
});

export const PipelineDocument = Type.Object({}, { additionalProperties: true, description: 'an Orchest pipeline file (versions 1.0.0–1.2.3)' });

export const ValidateBody = Type.Object(
  {
    pipeline: PipelineDocument,
    path: Type.Optional(Type.String({ minLength: 1, maxLength: 1024, description: 'where the file would live in the project (for step paths); default "pipeline.orchest"' })),
  },
  { additionalProperties: false },
);

export const ValidationReport = Type.Object({
  valid: Type.Boolean(),
  pipeline: Type.Union([Type.Object({ uuid: Type.String(), name: Type.String(), version: Type.String() }), Type.Null()]),
  steps: Type.Integer(),
  services: Type.Integer(),
  problems: Type.Array(Problem),
});

export const PipelineSourceView = Type.Object({
  path: Type.String(),
  text: Type.String({ description: 'the file as it is on disk' }),
  document: Type.Union([PipelineDocument, Type.Null()], { description: 'the parsed JSON when it is an object, else null' }),
  json_error: Type.Union([
    Type.Object({ message: Type.String(), line: Type.Union([Type.Integer(), Type.Null()]), column: Type.Union([Type.Integer(), Type.Null()]) }),
    Type.Null(),
  ], { description: 'where the JSON breaks (1-based line and column), when it is not JSON' }),
  problems: Type.Array(Problem, { description: 'every problem: the validator\'s, and step files that are missing' }),
});

export const Nullable = (t: ReturnType<typeof Type.String>) => Type.Union([t, Type.Null()]);

/** Orchest's run and step statuses, as a literal union (so the generated client types have them). */
export const StatusSchema = Type.Enum(STATUSES);

export const RunSummary = Type.Object({
  uuid: Type.String(),
  status: StatusSchema,
  run_type: Type.String(),
  runtime: Type.String({ description: 'the runtime the steps ran on (process, docker, kubernetes)' }),
  pipeline: Type.Object({ uuid: Type.String(), name: Type.String(), path: Type.String() }),
  created_at: Type.String(),
  started_at: Nullable(Type.String()),
  finished_at: Nullable(Type.String()),
  reason: Nullable(Type.String()),
});

export const RunReport = Type.Object({
  run: RunSummary,
  steps: Type.Array(
    Type.Object({
      uuid: Type.String(),
      title: Type.String(),
      status: StatusSchema,
      started_at: Nullable(Type.String()),
      finished_at: Nullable(Type.String()),
      exit_code: Type.Union([Type.Integer(), Type.Null()]),
      reason: Nullable(Type.String()),
      log_path: Type.String(),
    }),
  ),
});

const JsonRecord = Type.Record(Type.String(), Type.Unknown());

export const CreateRunBody = Type.Object(
  {
    pipeline: Type.String({ minLength: 1, maxLength: 1024, description: 'path of the .orchest file in the project, or the pipeline uuid' }),
    run_type: Type.Optional(Type.Union([Type.Literal('full'), Type.Literal('selection'), Type.Literal('incoming')])),
    uuids: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 255 }), { maxItems: 10_000, description: 'steps (uuids or titles) for selection/incoming runs' })),
    parameters: Type.Optional(
      Type.Object(
        { pipeline: Type.Optional(JsonRecord), steps: Type.Optional(Type.Record(Type.String(), JsonRecord)) },
        { additionalProperties: false, description: 'overrides: pipeline parameters, and step parameters keyed by step uuid or title' },
      ),
    ),
    env: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'variables for every step: names match ^[A-Za-z_][A-Za-z0-9_]*$, values hold no NUL (400 naming the variable otherwise)' })),
    fail_fast: Type.Optional(Type.Boolean()),
    runtime: Type.Optional(Type.Union(RUNTIMES.map((r) => Type.Literal(r)), { description: "the runtime to run the steps on (default: the server's)" })),
    kind: Type.Optional(Type.Union([Type.Literal('interactive'), Type.Literal('job')], { description: 'job: not queued, own outputs, its noninteractive services for its lifetime' })),
  },
  { additionalProperties: false },
);

export const ListRunsQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  status: Type.Optional(StatusSchema),
  pipeline: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: "only this pipeline's runs (its uuid)" })),
});

export const RunParams = Type.Object({ run: Type.String({ minLength: 1, maxLength: 36, description: 'run uuid or its first characters' }) });

export const StepLogParams = Type.Object({ run: RunParams.properties.run, step: Type.String({ minLength: 1, maxLength: 255, description: 'step uuid or title' }) });

export const FollowQuery = Type.Object({ follow: Type.Optional(Type.Union([Type.Literal('1'), Type.Literal('true'), Type.Literal('0'), Type.Literal('false')])) });

/** The schema parts every log route shares: `?follow`, text or SSE, the standard errors. */
export const logRouteSchema = {
  querystring: FollowQuery,
  produces: ['text/plain', 'text/event-stream'],
  response: { 200: Type.String(), ...errorResponses },
};

export const TokenInfo = Type.Object({
  id: Type.String(),
  name: Type.String(),
  scope: Type.String(),
  project_uuid: Nullable(Type.String()),
  service: Nullable(Type.String()),
  created_at: Type.String(),
  revoked_at: Nullable(Type.String()),
});

export const CreateTokenBody = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 100 }), project: Type.String({ minLength: 1, maxLength: 100, description: 'project name or uuid the token is limited to' }) },
  { additionalProperties: false },
);

export const TokenParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 36 }) });

export const ServiceParams = Type.Object({ project: ProjectParams.properties.project, name: Type.String({ minLength: 1, maxLength: 63 }) });

export const DeployQuery = Type.Object({
  image: Type.Optional(Type.String({ minLength: 1, maxLength: 512, description: "ML Lab's form: the image (the JSON body is then the environment)" })),
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 63 })),
});

export const ServiceInfo = Type.Object({
  name: Type.String(),
  project: Type.String(),
  status: Type.String(),
  definition: Type.Object({}, { additionalProperties: true }),
  urls: Type.Record(Type.String(), Type.String()),
  created_at: Type.String(),
  host: Type.Optional(Type.Union([Type.String(), Type.Null()], { description: 'The host (BERTH_HOST_ID) it runs on; every server answers for it' })),
});

export { ProxyParams } from '../proxy/proxy-params.ts';

const StepRef = { runUuid: Type.String(), stepUuid: Type.String(), title: Type.String() };

/**
 * One message of a run's event stream (`GET /api/runs/{run}/events`, each SSE `data:` is one of
 * these): a `snapshot` of the run first, then the engine's progress events, then `end` with the
 * final report.
 */
export const RunStreamEvent = Type.Union(
  [
    Type.Object({ type: Type.Literal('snapshot'), report: RunReport }),
    Type.Object({ type: Type.Literal('run-queued'), runUuid: Type.String(), waitingFor: Type.String() }),
    Type.Object({ type: Type.Literal('run-started'), runUuid: Type.String(), steps: Type.Integer() }),
    Type.Object({ type: Type.Literal('session-progress'), runUuid: Type.String(), line: Type.String() }),
    Type.Object({ type: Type.Literal('step-started'), ...StepRef }),
    Type.Object({ type: Type.Literal('step-progress'), ...StepRef, line: Type.String() }),
    Type.Object({ type: Type.Literal('step-finished'), ...StepRef, status: StatusSchema, exitCode: Type.Union([Type.Integer(), Type.Null()]), reason: Nullable(Type.String()) }),
    Type.Object({ type: Type.Literal('run-cancelling'), runUuid: Type.String(), reason: Type.String() }),
    Type.Object({ type: Type.Literal('run-finished'), runUuid: Type.String(), status: StatusSchema }),
    Type.Object({ type: Type.Literal('end'), report: RunReport }),
  ],
  { $id: 'RunStreamEvent' },
);

export const SessionBody = Type.Object(
  { token: Type.Optional(Type.String({ minLength: 1, maxLength: 512, description: 'an admin or project token' })) },
  { additionalProperties: false },
);

export const SessionInfo = Type.Object({
  scope: Type.String({ description: '"admin" or "project"' }),
  project_uuid: Nullable(Type.String()),
});

export const BuildsQuery = Type.Object({
  status: Type.Optional(Type.Union(['PENDING', 'STARTED', 'SUCCESS', 'FAILURE'].map((v) => Type.Literal(v)))),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
  before: Type.Optional(Type.String({ minLength: 1, maxLength: 36, description: 'next_cursor of the previous page' })),
});

export const BuildPage = Type.Object({
  builds: Type.Array(
    Type.Object({
      uuid: Type.String(),
      environment_uuid: Type.String(),
      environment_name: Type.String(),
      image: Type.String(),
      project_dir: Nullable(Type.String()),
      status: StatusSchema,
      reason: Nullable(Type.String()),
      log_path: Type.String(),
      created_at: Type.String(),
      started_at: Nullable(Type.String()),
      finished_at: Nullable(Type.String()),
    }),
  ),
  next_cursor: Nullable(Type.String()),
});
