import type { FastifyError, FastifyInstance } from 'fastify';
import { BerthError, isBerthError, type Problem } from '../errors.ts';

interface AjvError {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

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

export function toBerthError(error: FastifyError | Error): BerthError {
  if (isBerthError(error)) return error;
  const fe = error as FastifyError & { validation?: AjvError[]; validationContext?: string };
  if (fe.validation) {
    const problems = fe.validation.map((v) => problemOf(fe.validationContext ?? 'body', v));
    return new BerthError('BERTH_E_INVALID_ARGUMENT', `invalid request: ${problems.map((p) => `${p.path} ${p.message}`).join('; ')}`, { problems });
  }
  if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return new BerthError('BERTH_E_BODY_TOO_LARGE', 'the request body is too large', { problems: [{ path: 'body', message: fe.message, fix: 'send a smaller body' }] });
  }
  if (fe.statusCode !== undefined && fe.statusCode >= 400 && fe.statusCode < 500) {
    return new BerthError(fe.statusCode === 404 ? 'BERTH_E_NOT_FOUND' : 'BERTH_E_INVALID_ARGUMENT', fe.message, { problems: [{ path: 'body', message: fe.message }] });
  }
  return new BerthError('BERTH_E_INTERNAL', 'internal error (details are in the server log)');
}

function problemOf(context: string, v: AjvError): Problem {
  const segments = v.instancePath.split('/').filter(Boolean).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (v.keyword === 'required') segments.push(String(v.params.missingProperty));
  if (v.keyword === 'additionalProperties') segments.push(String(v.params.additionalProperty));
  const path = [context, ...segments].join('.');
  const message = v.keyword === 'additionalProperties' ? 'is not a known field' : v.keyword === 'required' ? 'is required' : (v.message ?? 'is invalid');
  const fix = v.keyword === 'additionalProperties' ? 'remove it (see /api/openapi.json)' : v.keyword === 'required' ? 'add it' : 'see /api/openapi.json for the expected shape';
  return { path, message, fix };
}
