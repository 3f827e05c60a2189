import type { FastifyReply, FastifyRequest } from 'fastify';
import { request as send } from 'undici';
import { FORWARD_HEADER } from '../auth/forward-signature.ts';
import { BerthError } from '../errors.ts';
import { peerRequest, peerUnavailable } from '../proxy/peer-forward.ts';
import type { ServerContext } from './server-context.ts';

/** Not relayed from the other server's answer: they describe that hop (Node sets its own). */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'proxy-connection']);
/** How long the other server may take to start answering (a log stream then flows as long as it lasts). */
const HEADERS_TIMEOUT_MS = 30_000;

/**
 * Answers an API request about a service that runs on another host (its log, its state, its
 * removal) with the answer of a Berth server on that host, asked on behalf of this request's caller
 * (peer-forward.ts: no credential travels, a signed forward does). Bodyless requests only (GET,
 * DELETE). A forwarded request is never forwarded again: the servers disagree on where the service
 * runs (409). 503 naming the host when no server there answers.
 */
export async function forwardToHost(ctx: ServerContext, request: FastifyRequest, reply: FastifyReply, o: { host: string; what: string }): Promise<FastifyReply> {
  const res = await askHost(ctx, request, { ...o, url: request.originalUrl });
  reply.status(res.statusCode);
  for (const [name, value] of Object.entries(res.headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) void reply.header(name, value);
  return reply.send(res.body);
}

/** The JSON a server on `host` answers to GET `url` for this request's caller, or null when it cannot (not reachable, refused). */
export async function askHostJson(ctx: ServerContext, request: FastifyRequest, o: { host: string; what: string; url: string }): Promise<unknown> {
  try {
    const res = await askHost(ctx, request, o, 'GET');
    if (res.statusCode !== 200) {
      await res.body.dump();
      return null;
    }
    return await res.body.json();
  } catch {
    return null;
  }
}

async function askHost(ctx: ServerContext, request: FastifyRequest, o: { host: string; what: string; url: string }, method = request.method) {
  if (request.headers[FORWARD_HEADER] !== undefined) {
    throw new BerthError('BERTH_E_SERVICE_ELSEWHERE', `${o.what} runs on host "${o.host}", not on this server's host: a forwarded request is not forwarded again`, {
      problems: [{ path: 'BERTH_HOST_ID', message: 'the servers disagree on where the service runs', fix: 'give every machine its own BERTH_HOST_ID (or none) and each server the BERTH_ADVERTISE_URL of its own machine' }],
    });
  }
  const headers = { ...request.headers };
  // Bodyless: what the caller sent about a body does not apply to this request.
  delete headers['content-length'];
  delete headers['content-type'];
  const sent = await peerRequest(ctx, { host: o.host, what: o.what, url: o.url, method, headers, principal: request.principal, client: { ip: request.ip, proto: request.protocol === 'https' ? 'https' : 'http' } });
  if (sent instanceof BerthError) throw sent;
  try {
    return await send(`${sent.peer.url}${sent.url}`, { method, headers: sent.headers as Record<string, string>, headersTimeout: HEADERS_TIMEOUT_MS, bodyTimeout: 0 });
  } catch (e) {
    ctx.peers?.forget(o.host);
    const err = e as Error & { code?: string; cause?: { code?: string } };
    throw peerUnavailable(o.what, o.host, sent.peer, err.cause?.code ?? err.code ?? err.message);
  }
}
