import type { Socket } from 'node:net';
import { BerthError } from '../errors.ts';

/**
 * The server's 'clientError' handler (Fastify's clientErrorHandler): a connection that sends
 * something that is not HTTP, headers too large, or headers too slowly gets one coded answer when it
 * can still take one, and is closed; a reset connection is only closed. Nothing else is affected.
 */
export function clientError(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || err.code === 'EPIPE' || socket.destroyed || !socket.writable || socket.bytesWritten > 0) {
    socket.destroy();
    return;
  }
  const e = err.code === 'HPE_HEADER_OVERFLOW'
    ? new BerthError('BERTH_E_HEADERS_TOO_LARGE', 'the request headers are too large', { problems: [{ path: 'headers', message: 'larger than the server accepts', fix: 'send fewer or smaller headers (cookies included)' }] })
    : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? new BerthError('BERTH_E_REQUEST_TIMEOUT', 'the request headers did not arrive in time', { problems: [{ path: 'headers', message: 'too slow', fix: 'send the whole request head at once' }] })
      : new BerthError('BERTH_E_BAD_REQUEST', 'the request is not valid HTTP/1.1', { problems: [{ path: 'request', message: err.code ?? 'malformed', fix: 'send a well-formed HTTP request' }] });
  const body = JSON.stringify({ error: e.toJSON() });
  socket.on('error', () => socket.destroy());
  socket.end(`HTTP/1.1 ${e.httpStatus} ${e.code}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
}
