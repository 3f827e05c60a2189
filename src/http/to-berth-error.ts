import type { FastifyError } from 'fastify';
import { BerthError, isBerthError, type Problem } from '../errors.ts';

interface AjvError {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

/** Any error a Fastify handler (API or proxy) meets, as the coded error the client gets: schema violations name the field, unknown errors say nothing internal. */
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
  if (fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return new BerthError('BERTH_E_UNSUPPORTED_MEDIA_TYPE', 'this route does not take a body of that Content-Type', {
      problems: [{ path: 'Content-Type', message: 'not accepted here', fix: 'send JSON with Content-Type: application/json (file uploads: application/octet-stream); see /api/openapi.json' }],
    });
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
