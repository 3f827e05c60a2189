import type { FastifyReply, FastifyRequest } from 'fastify';
import type { EventFeed, EventFilter } from '../events/event-feed.ts';

/** How often an idle stream sends a comment line, so proxies and clients keep it open. */
const KEEPALIVE_MS = 15_000;

/**
 * Streams events as Server-Sent Events (`id: <event id>`, `event: event`, `data: <event JSON>`)
 * from `after` (default: the newest event, i.e. only new ones; a reconnecting client's
 * Last-Event-ID wins) until the client goes away or `stop` aborts (server shutdown).
 */
export async function sendEvents(request: FastifyRequest, reply: FastifyReply, feed: EventFeed, filter: EventFilter & { after?: number }, stop: AbortSignal): Promise<void> {
  const header = request.headers['last-event-id'];
  const lastId = typeof header === 'string' && /^\d+$/.test(header) ? Number(header) : undefined;
  const after = lastId ?? filter.after ?? (await feed.latestId());
  const controller = new AbortController();
  const abort = () => controller.abort();
  request.raw.on('close', abort);
  stop.addEventListener('abort', abort);
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
  res.write(': berth events\n\n');
  const keepalive = setInterval(() => res.write(': keepalive\n\n'), KEEPALIVE_MS);
  try {
    for await (const e of feed.follow({ type: filter.type, projectUuid: filter.projectUuid, after, signal: controller.signal })) {
      res.write(`id: ${e.id}\nevent: event\ndata: ${JSON.stringify(e)}\n\n`);
    }
  } catch (e) {
    request.log.warn({ err: e }, 'event stream ended early');
    res.write(`event: error\ndata: ${JSON.stringify({ message: 'the event stream failed; see the server log' })}\n\n`);
  } finally {
    clearInterval(keepalive);
    stop.removeEventListener('abort', abort);
    request.raw.off('close', abort);
    res.end();
  }
}
