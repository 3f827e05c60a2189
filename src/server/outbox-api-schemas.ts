import { Type } from 'typebox';
import { WebhookInputSchema, WebhookPatchSchema } from '../events/webhook-schema.ts';

/** The schemas of the webhook and event routes (validation and OpenAPI from the same objects). */

const Nullable = <T extends ReturnType<typeof Type.String> | ReturnType<typeof Type.Integer>>(t: T) => Type.Union([t, Type.Null()]);

export const CreateWebhookBody = WebhookInputSchema;

export const UpdateWebhookBody = WebhookPatchSchema;

export const Webhook = Type.Object(
  {
    uuid: Type.String(),
    name: Type.String(),
    url: Type.String(),
    content_type: Type.String(),
    format: Type.String(),
    verify_ssl: Type.Boolean(),
    has_secret: Type.Boolean({ description: 'whether deliveries are signed (the secret itself is never returned)' }),
    subscriptions: Type.Array(Type.Object({ event_type: Type.String(), project_uuid: Nullable(Type.String()), job_uuid: Nullable(Type.String()) })),
    created_at: Type.String(),
  },
  { $id: 'Webhook' },
);

export const Delivery = Type.Object(
  {
    uuid: Type.String({ description: 'the X-Berth-Delivery header of every attempt' }),
    webhook: Type.String(),
    event_type: Type.String(),
    event_uuid: Type.String(),
    status: Type.String({ description: 'PENDING, DELIVERING, DELIVERED, RESCHEDULED or DEAD' }),
    attempts: Type.Integer(),
    scheduled_at: Type.String(),
    delivered_at: Nullable(Type.String()),
    last_status_code: Nullable(Type.Integer()),
    last_error: Nullable(Type.String()),
    created_at: Type.String(),
  },
  { $id: 'Delivery' },
);

export const WebhookParams = Type.Object({ webhook: Type.String({ minLength: 1, maxLength: 100, description: 'webhook name, uuid or uuid prefix' }) });

export const DeliveryParams = Type.Object({ delivery: Type.String({ minLength: 4, maxLength: 36, description: 'delivery uuid or its first characters' }) });

export const DeliveriesQuery = Type.Object({
  status: Type.Optional(Type.String({ description: 'PENDING, DELIVERING, DELIVERED, RESCHEDULED or DEAD' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
});

export const AllDeliveriesQuery = Type.Object({ ...DeliveriesQuery.properties, webhook: Type.Optional(WebhookParams.properties.webhook) });

export const WebhookResponse = Type.Object({ webhook: Type.Ref('Webhook') });

export const PingResult = Type.Object({ delivery: Type.String(), ok: Type.Boolean(), status: Nullable(Type.Integer()), error: Nullable(Type.String()) });

const TypeFilter = Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'an event type, or a prefix ending in ":" (e.g. project:cron-job:)' }));

export const EventsQuery = Type.Object({
  type: TypeFilter,
  project: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'project name or uuid' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  before: Type.Optional(Type.Integer({ minimum: 1, description: 'next_cursor of the previous page' })),
});

export const ProjectEventsQuery = Type.Object({ type: TypeFilter, limit: EventsQuery.properties.limit, before: EventsQuery.properties.before });

export const StreamQuery = Type.Object({
  type: TypeFilter,
  project: EventsQuery.properties.project,
  after: Type.Optional(Type.Integer({ minimum: 0, description: 'replay events after this id (default: only new events; Last-Event-ID is honoured)' })),
});

export const ProjectStreamQuery = Type.Object({ type: TypeFilter, after: StreamQuery.properties.after });

export const EventPage = Type.Object({
  events: Type.Array(Type.Object({ id: Type.Integer(), uuid: Type.String(), type: Type.String(), timestamp: Type.String(), project: Type.Object({}, { additionalProperties: true }) }, { additionalProperties: true })),
  next_cursor: Nullable(Type.Integer()),
});
