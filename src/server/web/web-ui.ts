import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { routeNotFound } from '../error-handler.ts';

/** Where `npm run build:web` (run by `npm install`'s prepare) writes the UI. */
export const WEB_DIST = new URL('../../../web/dist/', import.meta.url).pathname;

/**
 * Serves the built web UI at `/` (public: the page itself holds no data; the API checks the
 * session cookie). Paths that are not files get index.html (client-side routes); `/api/…` stays
 * the API's, so unknown API routes still answer a coded 404.
 */
export async function webUi(app: FastifyInstance, opts: { root?: string } = {}): Promise<void> {
  const root = opts.root ?? WEB_DIST;
  const built = existsSync(join(root, 'index.html'));
  if (built) await app.register(fastifyStatic, { root, serve: false });
  app.get('/*', { config: { auth: 'public' }, schema: { hide: true } }, async (request, reply) => {
    const path = (request.params as { '*': string })['*'];
    // A NUL (or another control character) never names a file of the UI.
    if (path === 'api' || path.startsWith('api/') || /[\u0000-\u001f]/.test(path)) throw routeNotFound(request.method, request.url.replace(/[\u0000-\u001f]/g, '?'));
    if (!built) {
      return reply.type('text/plain; charset=utf-8').status(503).send('The web UI is not built: run `npm run build:web` (npm install does it), then reload.\nThe API is at /api (docs: /api/docs).\n');
    }
    const file = path !== '' && !path.split('/').includes('..') && statSync(join(root, path), { throwIfNoEntry: false })?.isFile() ? path : 'index.html';
    const cache = file.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache';
    return reply.header('cache-control', cache).sendFile(file);
  });
}
