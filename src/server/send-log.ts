import { StringDecoder } from 'node:string_decoder';
import type { FastifyReply, FastifyRequest } from 'fastify';

type Chunks = (signal: AbortSignal) => AsyncIterable<Buffer | string> | Promise<AsyncIterable<Buffer | string>>;

/**
 * Answers with a log: as text/plain when not following, or (follow) as Server-Sent Events:
 * one `data:` event per chunk (a JSON string), then `event: end` with `end()`'s JSON. A client
 * that goes away stops the stream.
 */
export async function sendLog(request: FastifyRequest, reply: FastifyReply, follow: boolean, chunks: Chunks, end: () => Promise<unknown>): Promise<void> {
  const controller = new AbortController();
  request.raw.on('close', () => controller.abort());
  if (!follow) {
    const parts: Buffer[] = [];
    for await (const c of await chunks(controller.signal)) parts.push(typeof c === 'string' ? Buffer.from(c) : c);
    return reply.type('text/plain; charset=utf-8').send(Buffer.concat(parts));
  }
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
  const decoder = new StringDecoder('utf8');
  try {
    for await (const c of await chunks(controller.signal)) {
      const text = typeof c === 'string' ? c : decoder.write(c);
      if (text) res.write(`data: ${JSON.stringify(text)}\n\n`);
    }
    const rest = decoder.end();
    if (rest) res.write(`data: ${JSON.stringify(rest)}\n\n`);
    if (!controller.signal.aborted) res.write(`event: end\ndata: ${JSON.stringify(await end())}\n\n`);
  } catch (e) {
    request.log.warn({ err: e }, 'log stream ended early');
    res.write(`event: error\ndata: ${JSON.stringify({ message: 'the log stream failed; see the server log' })}\n\n`);
  } finally {
    res.end();
  }
}

export function isFollow(value: string | undefined): boolean {
  return value === '1' || value === 'true';
}

/** A driver's log chunks as the text sendLog sends. */
export async function* chunkText(chunks: AsyncIterable<{ data: string }>): AsyncGenerator<string> {
  for await (const c of chunks) yield c.data;
}
