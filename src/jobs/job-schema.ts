import { Type, type Static } from 'typebox';
import type { JsonValue } from '../core/pipeline-types.ts';

/**
 * The job creation input (`POST /api/projects/{project}/jobs`, `berth job create`): one definition
 * gives the TypeScript type, the server's validation and the OpenAPI document. JobService checks
 * what a schema cannot (cron syntax, timezone, the pipeline's parameters) with coded errors.
 */
export const JobInputSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    /** The pipeline file (its project folder is snapshotted). */
    pipeline_path: Type.String({ minLength: 1 }),
    /** Cron schedule; with `timezone` (IANA, default UTC). Exclusive with scheduled_start. */
    cron: Type.Optional(Type.String()),
    timezone: Type.Optional(Type.String({ description: 'IANA timezone of the cron schedule (default UTC)' })),
    /** One-off at this time (ISO-8601). Neither cron nor scheduled_start: the job runs now. */
    scheduled_start: Type.Optional(Type.String({ format: 'date-time' })),
    /** Candidate values per parameter, merged over the pipeline's `<name>.parameters.json`; Berth computes the product. */
    parameters: Type.Optional(
      Type.Record(Type.String(), Type.Record(Type.String(), Type.Array(Type.Unsafe<JsonValue>({}), { minItems: 1 })), {
        description: '{pipeline_parameters: {k: [values]}, <step uuid or title>: {k: [values]}}',
      }),
    ),
    /** Indexes (in the product's order, see `job show`) of combinations not to run. */
    exclude: Type.Optional(Type.Array(Type.Integer({ minimum: 0 }))),
    env_variables: Type.Optional(Type.Record(Type.String(), Type.String())),
    /** Runs kept after they end (older ones are deleted with their folders); -1 keeps all. */
    max_retained_pipeline_runs: Type.Optional(Type.Integer({ minimum: -1 })),
    /** Create as DRAFT: nothing is scheduled until it is resumed. */
    draft: Type.Optional(Type.Boolean()),
  },
  {
    additionalProperties: false,
    description:
      'A job: `pipeline_path` is the .orchest file\'s path in the project; `cron` (+ `timezone`), `scheduled_start` (one-off), or neither (run now); ' +
      '`parameters` lists candidate values per parameter and Berth runs their Cartesian product (minus the `exclude` indexes); `draft` schedules nothing until resumed.',
  },
);

export type JobInput = Static<typeof JobInputSchema>;
