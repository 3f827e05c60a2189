import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { isEndState, type Status } from '../../core/statuses.ts';
import type { RunEvent } from '../../runs/run-events.ts';
import { errorResponses, RunParams } from '../api-schemas.ts';
import type { RunEventHub } from '../run-event-hub.ts';
import type { ServerContext } from '../server-context.ts';

/**
 * A run's live progress as Server-Sent Events: `snapshot` (the run report), the engine's events as
 * they happen, then `end` (the final report) and the stream closes. A run that already ended gets
 * snapshot + end at once. Progress comes from runs executing in this server.
 */
export async function runEventRoutes(root: FastifyInstance, ctx: ServerContext & { hub: RunEventHub }): Promise<void> {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  app.get('/api/runs/:run/events', {
    config: { auth: 'run' },
    schema: {
      summary: "A run's live progress as Server-Sent Events (each data line is a RunStreamEvent)",
      tags: ['runs'],
      params: RunParams,
      produces: ['text/event-stream'],
      response: { 200: Type.Ref('RunStreamEvent'), ...errorResponses },
    },
  }, async (request, reply) => {
    const uuid = (await ctx.engine.findRun(request.params.run)).uuid;
    const queue: RunEvent[] = [];
    let wake: (() => void) | null = null;
    const unsubscribe = ctx.hub.subscribe(uuid, (e) => {
      queue.push(e);
      wake?.();
    });
    let closed = false;
    request.raw.on('close', () => {
      closed = true;
      wake?.();
    });
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    const send = (data: unknown) => res.write(`data: ${JSON.stringify(data)}\n\n`);
    try {
      const snapshot = await ctx.engine.report(uuid);
      send({ type: 'snapshot', report: snapshot });
      let ended = isEndState(snapshot.run.status as Status);
      while (!ended && !closed) {
        if (queue.length === 0) await new Promise<void>((r) => (wake = r));
        wake = null;
        for (const e of queue.splice(0)) {
          send(e);
          if (e.type === 'run-finished') ended = true;
        }
      }
      if (!closed) send({ type: 'end', report: await ctx.engine.report(uuid) });
    } catch (e) {
      request.log.warn({ err: e }, 'run event stream ended early');
    } finally {
      unsubscribe();
      res.end();
    }
  });
}
