import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { errorResponses } from '../api-schemas.ts';
import {
  AllDeliveriesQuery, CreateWebhookBody, DeliveriesQuery, DeliveryParams, PingResult, UpdateWebhookBody, WebhookParams, WebhookResponse,
} from '../outbox-api-schemas.ts';
import type { ServerContext } from '../server-context.ts';

/**
 * Webhook subscribers and their deliveries. Admin only: a webhook can subscribe to any project's
 * events (or narrow itself with `project_uuid` / `job_uuid`) and its URL receives their payloads,
 * so project tokens cannot manage them. Secrets are write-only.
 */
export async function webhookRoutes(root: FastifyInstance, ctx: ServerContext): Promise<void> {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['webhooks'];
  const config = { auth: 'admin' as const };
  const hooks = ctx.engine.outbox.webhooks;
  const Deliveries = Type.Object({ deliveries: Type.Array(Type.Ref('Delivery')) });
  app.post('/api/webhooks', {
    config,
    schema: {
      summary: 'Add a webhook',
      tags,
      body: CreateWebhookBody,
      response: { 201: Type.Object({ webhook: Type.Ref('Webhook'), generated_secret: Type.Union([Type.String(), Type.Null()], { description: 'set only when Berth generated the secret: the one time it is shown' }) }), ...errorResponses },
    },
  }, async (request, reply) => reply.status(201).send(await hooks.add(request.body)));
  app.get('/api/webhooks', {
    config,
    schema: { summary: 'List webhooks (never their secrets)', tags, response: { 200: Type.Object({ webhooks: Type.Array(Type.Ref('Webhook')) }), ...errorResponses } },
  }, async () => ({ webhooks: await hooks.list() }));
  app.get('/api/webhooks/:webhook', {
    config,
    schema: { summary: 'Show a webhook', tags, params: WebhookParams, response: { 200: WebhookResponse, ...errorResponses } },
  }, async (request) => ({ webhook: await hooks.get(request.params.webhook) }));
  app.put('/api/webhooks/:webhook', {
    config,
    schema: { summary: 'Change a webhook', tags, params: WebhookParams, body: UpdateWebhookBody, response: { 200: WebhookResponse, ...errorResponses } },
  }, async (request) => ({ webhook: await hooks.update(request.params.webhook, request.body) }));
  app.delete('/api/webhooks/:webhook', {
    config,
    schema: { summary: 'Remove a webhook and its queued deliveries', tags, params: WebhookParams, response: { 200: WebhookResponse, ...errorResponses } },
  }, async (request) => ({ webhook: await hooks.remove(request.params.webhook) }));
  app.post('/api/webhooks/:webhook/ping', {
    config,
    schema: { summary: 'Send a signed `ping` event now and report the answer (not stored, not retried)', tags, params: WebhookParams, response: { 200: PingResult, ...errorResponses } },
  }, async (request) => hooks.ping(request.params.webhook));
  app.get('/api/webhooks/:webhook/deliveries', {
    config,
    schema: { summary: "A webhook's deliveries, newest first, with attempts and the last error", tags, params: WebhookParams, querystring: DeliveriesQuery, response: { 200: Deliveries, ...errorResponses } },
  }, async (request) => ({ deliveries: await hooks.deliveries({ webhook: request.params.webhook, status: request.query.status, limit: request.query.limit }) }));
  app.get('/api/deliveries', {
    config,
    schema: { summary: 'Deliveries of every webhook (e.g. ?status=DEAD: the dead letters)', tags, querystring: AllDeliveriesQuery, response: { 200: Deliveries, ...errorResponses } },
  }, async (request) => ({ deliveries: await hooks.deliveries(request.query) }));
  app.post('/api/deliveries/:delivery/redeliver', {
    config,
    schema: { summary: 'Schedule a delivery again (same delivery id), e.g. a dead-lettered one', tags, params: DeliveryParams, response: { 200: Type.Object({ delivery: Type.Ref('Delivery') }), ...errorResponses } },
  }, async (request) => ({ delivery: await hooks.redeliver(request.params.delivery) }));
}
