/**
 * JSON Schema of the job creation body (`POST /api/projects/{project}/jobs`), for the server's
 * routes and OpenAPI. JobService validates the same rules itself (with coded errors).
 */
export const jobInputSchema = {
  type: 'object',
  required: ['name', 'pipeline_path'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 100 },
    pipeline_path: { type: 'string', minLength: 1 },
    cron: { type: 'string' },
    timezone: { type: 'string', description: 'IANA timezone of the cron schedule (default UTC)' },
    scheduled_start: { type: 'string', format: 'date-time' },
    parameters: {
      type: 'object',
      description: '{pipeline_parameters: {k: [values]}, <step uuid or title>: {k: [values]}}',
      additionalProperties: { type: 'object', additionalProperties: { type: 'array', minItems: 1 } },
    },
    exclude: { type: 'array', items: { type: 'integer', minimum: 0 } },
    env_variables: { type: 'object', additionalProperties: { type: 'string' } },
    max_retained_pipeline_runs: { type: 'integer', minimum: -1 },
    draft: { type: 'boolean' },
  },
} as const;
