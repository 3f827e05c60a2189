import type { FastifyInstance, FastifyRequest } from 'fastify';
import { MAX_JSON_DEPTH, tooDeepAt } from '../core/json-depth.ts';
import { BerthError } from '../errors.ts';

/**
 * Berth's JSON body parser (replacing Fastify's): the size limit is the app's bodyLimit (413); the
 * document must be JSON (400), nest at most MAX_JSON_DEPTH levels (400 naming the path where it
 * goes deeper), and hold no `__proto__`/`constructor.prototype` key (400), so nothing later
 * (validation, structuredClone, recursion) meets an input it cannot handle.
 */
export function registerJsonBody(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request: FastifyRequest, body: string | Buffer, done: (err: Error | null, value?: unknown) => void) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') return done(bad('body', 'is empty', 'send a JSON document, or no Content-Type: application/json'));
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      return done(bad('body', `is not valid JSON (${(e as Error).message})`, 'send a JSON document'));
    }
    const problem = shapeProblem(value);
    return problem ? done(problem) : done(null, value);
  });
}

/** Too deep, or a prototype-polluting key. */
function shapeProblem(root: unknown): BerthError | null {
  const deep = tooDeepAt(root, MAX_JSON_DEPTH, 'body');
  if (deep) return bad(deep, `nests deeper than ${MAX_JSON_DEPTH} levels`, `flatten the document (at most ${MAX_JSON_DEPTH} levels of objects and arrays)`);
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const value = stack.pop();
    if (value === null || typeof value !== 'object') continue;
    for (const [key, v] of Object.entries(value)) {
      if (key === '__proto__' || (key === 'constructor' && v !== null && typeof v === 'object' && Object.hasOwn(v, 'prototype'))) return bad('body', `holds a "${key}" key (not allowed)`, 'remove it');
      stack.push(v);
    }
  }
  return null;
}

function bad(path: string, message: string, fix: string): BerthError {
  return new BerthError('BERTH_E_INVALID_ARGUMENT', `invalid JSON body: ${path} ${message}`, { problems: [{ path, message, fix }] });
}
