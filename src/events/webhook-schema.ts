import { EVENT_TYPES } from './event-types.ts';
import { CONTENT_TYPES, WEBHOOK_FORMATS } from './webhook-request.ts';

/**
 * JSON Schemas of the webhook API bodies (for the server's routes and OpenAPI). WebhookService
 * validates the same rules itself, so callers without the schema still get coded errors.
 */
export const webhookSubscriptionSchema = {
  type: 'object',
  required: ['event_type'],
  additionalProperties: false,
  properties: {
    event_type: { type: 'string', enum: ['*', ...EVENT_TYPES] },
    project_uuid: { type: 'string' },
    job_uuid: { type: 'string' },
  },
} as const;

export const webhookInputSchema = {
  type: 'object',
  required: ['name', 'url', 'subscriptions'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 100 },
    url: { type: 'string', format: 'uri' },
    secret: { type: 'string', minLength: 16, writeOnly: true },
    content_type: { type: 'string', enum: [...CONTENT_TYPES] },
    format: { type: 'string', enum: ['auto', ...WEBHOOK_FORMATS] },
    verify_ssl: { type: 'boolean' },
    subscriptions: { type: 'array', minItems: 1, items: webhookSubscriptionSchema },
  },
} as const;

/** PUT: every field optional. */
export const webhookPatchSchema = { ...webhookInputSchema, required: [] } as const;

export const eventQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    type: { type: 'string', description: 'an event type, or a prefix ending in ":"' },
    project: { type: 'string' },
    limit: { type: 'integer', minimum: 1, maximum: 1000 },
    before: { type: 'integer', description: 'next_cursor of the previous page' },
  },
} as const;
