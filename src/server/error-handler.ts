import type { FastifyError, FastifyInstance } from 'fastify';
import { BerthError } from '../errors.ts';
import { toBerthError } from '../http/to-berth-error.ts';


/**
 * Every error leaves as `{error: {code, message, problems}}` with the status from the error registry:
 * schema violations as 400 with the field path, unknown routes 404, oversized bodies 413, and
 * anything unexpected as a 500 without a stack trace (which goes to the log instead).
 */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const err = toBerthError(error);
    if (err.code === 'BERTH_E_INTERNAL') request.log.error({ err: error }, 'request failed');
    if (err.code === 'BERTH_E_RATE_LIMITED') void reply.header('retry-after', String(err.details.retry_after ?? 60));
    void reply.status(err.httpStatus).type('application/json').send({ error: err.toJSON() });
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send({ error: routeNotFound(request.method, request.url).toJSON() });
  });
}

/** The error for a URL no route answers. */
export function routeNotFound(method: string, url: string): BerthError {
  return new BerthError('BERTH_E_NOT_FOUND', `no route ${method} ${url.split('?')[0]}`, {
    problems: [{ path: 'url', message: 'unknown route', fix: 'see /api/openapi.json or /api/docs' }],
  });
}

