import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { errorResponses, ProjectParams } from '../api-schemas.ts';
import { EventPage, EventsQuery, ProjectEventsQuery, ProjectStreamQuery, StreamQuery } from '../outbox-api-schemas.ts';
import { sendEvents } from '../send-events.ts';
import type { ServerContext } from '../server-context.ts';

/**
 * The event log: pages (newest first, `before` cursor) and live Server-Sent Event streams. Every
 * project's events need an admin token (/api/events); a project token reads its own project's
 * under /api/projects/{project}/events. Streams end when the server shuts down.
 */
export async function eventRoutes(root: FastifyInstance, ctx: ServerContext): Promise<void> {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['events'];
  const feed = ctx.engine.outbox.events;
  const shutdown = new AbortController();
  app.addHook('preClose', async () => shutdown.abort());
  const projectUuid = async (ref: string | undefined) => (ref === undefined ? undefined : (await ctx.projects.find(ref)).uuid);
  const stream = { produces: ['text/event-stream'], response: { 200: Type.String({ description: 'text/event-stream: `id: <event id>`, `event: event`, `data: <event JSON>` per event' }), ...errorResponses } };

  app.get('/api/events', {
    config: { auth: 'admin' },
    schema: { summary: 'Recorded events of every project, newest first (filter by type or type prefix, project; paginated)', tags, querystring: EventsQuery, response: { 200: EventPage, ...errorResponses } },
  }, async (request) => feed.list({ type: request.query.type, projectUuid: await projectUuid(request.query.project), limit: request.query.limit, before: request.query.before }));
  app.get('/api/events/stream', {
    config: { auth: 'admin' },
    schema: { summary: 'Live events of every project (Server-Sent Events)', tags, querystring: StreamQuery, ...stream },
  }, async (request, reply) => sendEvents(request, reply, feed, { type: request.query.type, projectUuid: await projectUuid(request.query.project), after: request.query.after }, shutdown.signal));
  app.get('/api/projects/:project/events', {
    config: { auth: 'project' },
    schema: { summary: "A project's events, newest first (paginated)", tags, params: ProjectParams, querystring: ProjectEventsQuery, response: { 200: EventPage, ...errorResponses } },
  }, async (request) => feed.list({ type: request.query.type, projectUuid: request.project!.uuid, limit: request.query.limit, before: request.query.before }));
  app.get('/api/projects/:project/events/stream', {
    config: { auth: 'project' },
    schema: { summary: "A project's live events (Server-Sent Events)", tags, params: ProjectParams, querystring: ProjectStreamQuery, ...stream },
  }, async (request, reply) => sendEvents(request, reply, feed, { type: request.query.type, projectUuid: request.project!.uuid, after: request.query.after }, shutdown.signal));
}
