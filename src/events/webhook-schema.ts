import { Type, type Static } from 'typebox';
import { EVENT_TYPES } from './event-types.ts';
import { CONTENT_TYPES, WEBHOOK_FORMATS } from './webhook-request.ts';

/**
 * The webhook API inputs: one definition gives the TypeScript types, the server's validation and
 * the OpenAPI document (enumerations are `enum` keywords on strings: the CLI passes what the user typed
 * and the service answers an unknown value with a coded error). WebhookService checks the same rules itself (URL, secret length, event
 * types), so the CLI and in-process callers get the same coded errors.
 */
export const WebhookSubscriptionSchema = Type.Object(
  {
    /** A type name, or '*' (every type). */
    event_type: Type.String({ enum: ['*', ...EVENT_TYPES] }),
    /** Narrows the subscription to one project / one job. */
    project_uuid: Type.Optional(Type.String()),
    job_uuid: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

const webhookFields = {
  name: Type.String({ minLength: 1, maxLength: 100 }),
  url: Type.String({ format: 'uri' }),
  /** Signing secret; generated (and returned once) when absent. */
  secret: Type.Optional(Type.String({ minLength: 16, writeOnly: true })),
  content_type: Type.Optional(Type.String({ enum: [...CONTENT_TYPES] })),
  /** generic | slack | teams | discord; default (auto): from the URL. */
  format: Type.Optional(Type.String({ enum: ['auto', ...WEBHOOK_FORMATS] })),
  verify_ssl: Type.Optional(Type.Boolean()),
  subscriptions: Type.Array(WebhookSubscriptionSchema, { minItems: 1 }),
};

export const WebhookInputSchema = Type.Object(webhookFields, {
  additionalProperties: false,
  description:
    'A webhook subscriber. `secret` signs every delivery (X-Berth-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>); without it Berth generates one and returns it once as `generated_secret`. Secrets are stored sealed and never returned.',
});

/** PUT: every field optional. */
export const WebhookPatchSchema = Type.Partial(Type.Object(webhookFields, { additionalProperties: false }), {
  description: 'The fields given replace the stored ones; `subscriptions` replaces them all; `secret` rotates the secret.',
});

export type WebhookInput = Static<typeof WebhookInputSchema>;
export type WebhookPatch = Static<typeof WebhookPatchSchema>;
