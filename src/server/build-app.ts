import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerOptions as HttpServerOptions, type ServerResponse } from 'node:http';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { parseHostUrl } from '../proxy/proxy-request.ts';
import { fastServiceProxy, type FastServiceProxy } from '../proxy/fast-service-proxy.ts';
import { HOST_ROUTED_URL, serviceProxy } from '../proxy/service-proxy.ts';
import { ErrorBody, RunStreamEvent } from './api-schemas.ts';
import { DOCS_PREFIX, registerAuth } from './auth-hook.ts';
import { clientError } from './client-error.ts';
import { registerErrorHandling } from './error-handler.ts';
import { registerJsonBody } from './json-body.ts';
import { envVarRoutes } from './routes/env-var-routes.ts';
import { Job, JobRun } from './job-api-schemas.ts';
import { Delivery, Webhook } from './outbox-api-schemas.ts';
import { eventRoutes } from './routes/event-routes.ts';
import { buildRoutes } from './routes/build-routes.ts';
import { environmentRoutes } from './routes/environment-routes.ts';
import { healthRoutes } from './routes/health-routes.ts';
import { instanceRoutes } from './routes/instance-routes.ts';
import { serviceTemplateRoutes } from './routes/service-template-routes.ts';
import { jobRoutes } from './routes/job-routes.ts';
import { projectFileRoutes } from './routes/project-file-routes.ts';
import { pipelineRoutes } from './routes/pipeline-routes.ts';
import { projectRoutes } from './routes/project-routes.ts';
import { runEventRoutes } from './routes/run-event-routes.ts';
import { runRoutes } from './routes/run-routes.ts';
import { sessionRoutes } from './routes/session-routes.ts';
import { RunEventHub } from './run-event-hub.ts';
import { webUi } from './web/web-ui.ts';
import { shellSocket } from './shell-socket.ts';
import { gitRoutes } from './routes/git-routes.ts';
import { serviceRoutes } from './routes/service-routes.ts';
import { serviceOpenRoutes } from './routes/service-open-routes.ts';
import { pipelineSessionRoutes } from './routes/pipeline-session-routes.ts';
import { tokenRoutes } from './routes/token-routes.ts';
import { webhookRoutes } from './routes/webhook-routes.ts';
import type { ServerContext } from './server-context.ts';

export interface AppOptions {
  ctx: ServerContext;
  /** pino options or false (tests); secrets are always redacted. */
  logger?: FastifyServerOptions['logger'];
  /** Largest accepted JSON body (default 1 MiB). Proxied bodies are streamed and not limited here. */
  bodyLimit?: number;
  /** How long the proxy waits for a service to answer (default 60 s) before 504. */
  proxyTimeoutMs?: number;
  /**
   * Host-based routing: `<name>--<project>[--<port>].<servicesDomain>` reaches a service on its own
   * origin; the web UI opens services there. Without it, browsers cannot open services.
   */
  servicesDomain?: string;
  /** The built web UI's folder (default web/dist of this checkout). */
  webRoot?: string;
}

/** What a request log line says about the request: never headers, and the URL without a token or ticket parameter (however its name is encoded). */
function requestForLog(req: { method: string; url: string; ip?: string }) {
  return { method: req.method, url: withoutSecretParams(req.url), remoteAddress: req.ip };
}

function withoutSecretParams(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const params = url.slice(q + 1).split('&').map((part) => {
    const eq = part.indexOf('=');
    let name = eq < 0 ? part : part.slice(0, eq);
    try {
      name = decodeURIComponent(name.replace(/\+/g, ' '));
    } catch {
      // Not percent-encoding: compared as written.
    }
    return eq >= 0 && ['berth_token', 'ticket'].includes(name.toLowerCase()) ? `${part.slice(0, eq)}=[redacted]` : part;
  });
  return `${url.slice(0, q)}?${params.join('&')}`;
}

/** Log fields that can carry credentials; pino replaces them with "[redacted]". */
export const REDACT = ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]', 'req.query.berth_token', 'token', 'secret'];

/**
 * The Berth HTTP server: the REST API (every route needs a token except health and docs), its
 * OpenAPI document and docs page, and the authenticated service proxy. Runs started through the API
 * execute in this process; `background` collects them so shutdown can tell what was still running.
 */
export async function buildApp(opts: AppOptions): Promise<FastifyInstance & { runsInFlight: () => number }> {
  // Service requests that are plainly allowed take the fast path in front of Fastify (fast-service-proxy.ts); the rest, Fastify.
  let front: FastServiceProxy | undefined;
  const app = Fastify({
    serverFactory: (handler, given) => {
      const options = given as { http?: HttpServerOptions; keepAliveTimeout: number; requestTimeout: number; connectionTimeout: number; maxRequestsPerSocket?: number };
      const server = createServer(options.http ?? {}, (req: IncomingMessage, res: ServerResponse) => (front ? front.handle(req, res, handler) : handler(req, res)));
      // What Fastify sets on a server it creates itself.
      server.keepAliveTimeout = options.keepAliveTimeout;
      server.requestTimeout = options.requestTimeout;
      server.setTimeout(options.connectionTimeout);
      if ((options.maxRequestsPerSocket ?? 0) > 0) server.maxRequestsPerSocket = options.maxRequestsPerSocket!;
      return server;
    },
    logger: opts.logger === undefined || opts.logger === false ? false : { ...(opts.logger === true ? {} : opts.logger), redact: { paths: REDACT, censor: '[redacted]' }, serializers: { req: requestForLog } },
    bodyLimit: opts.bodyLimit ?? 1024 * 1024,
    ajv: { customOptions: { removeAdditional: false, allErrors: true, coerceTypes: 'array' } },
    routerOptions: { maxParamLength: 1024 },
    // Malformed, oversized or reset requests end their own connection with a coded answer, nothing more.
    clientErrorHandler: clientError,
    // Every request for a service host goes to the proxy, whatever its path: the API is not reachable from a service's origin.
    rewriteUrl: (req) => (opts.servicesDomain && parseHostUrl(req.headers.host, req.url ?? '/', opts.servicesDomain) ? HOST_ROUTED_URL : (req.url ?? '/')),
  });
  const version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  const running = new Set<Promise<unknown>>();
  const background = (p: Promise<unknown>) => {
    running.add(p);
    void p.finally(() => running.delete(p));
  };
  app.addSchema(ErrorBody);
  app.addSchema(RunStreamEvent);
  const hub = new RunEventHub();
  for (const schema of [Job, JobRun, Webhook, Delivery]) app.addSchema(schema);
  registerErrorHandling(app);
  registerJsonBody(app);
  registerAuth(app, opts.ctx);
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Berth API', version, description: 'Pipelines, runs, jobs (cron schedules and parameter grids), events (pages and live streams), webhooks, project services, named instances and the authenticated service proxy.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => String(json.$id ?? `def-${i}`) },
    transform: ({ schema, url, route }) => {
      const auth = route.config?.auth ?? 'admin';
      const transformed = { ...(schema as Record<string, unknown>) };
      if (auth !== 'public') transformed.security = [{ bearer: [] }];
      transformed['x-berth-auth'] = auth;
      return { schema: transformed as typeof schema, url };
    },
  });
  await app.register(fastifySwaggerUi, { routePrefix: DOCS_PREFIX });
  await app.register(healthRoutes, { version, runtime: opts.ctx.engine.config.runtime, helpers: () => opts.ctx.engine.helpers() });
  await app.register(projectRoutes, opts.ctx);
  await app.register(pipelineRoutes, opts.ctx);
  await app.register(projectFileRoutes, opts.ctx);
  await app.register(runRoutes, { ...opts.ctx, background, observe: hub.publish });
  await app.register(runEventRoutes, { ...opts.ctx, hub });
  await app.register(sessionRoutes, opts.ctx);
  await app.register(tokenRoutes, opts.ctx);
  await app.register(serviceRoutes, opts.ctx);
  await app.register(serviceOpenRoutes, { ...opts.ctx, servicesDomain: opts.servicesDomain });
  await app.register(envVarRoutes, opts.ctx);
  await app.register(pipelineSessionRoutes, opts.ctx);
  await app.register(jobRoutes, { ...opts.ctx, background });
  await app.register(eventRoutes, opts.ctx);
  await app.register(webhookRoutes, opts.ctx);
  await app.register(instanceRoutes, opts.ctx);
  await app.register(serviceTemplateRoutes, opts.ctx);
  await app.register(buildRoutes, opts.ctx);
  await app.register(environmentRoutes, { ...opts.ctx, background });
  await app.register(gitRoutes, opts.ctx);
  await app.register(shellSocket, { ctx: opts.ctx, servicesDomain: opts.servicesDomain });
  await app.register(serviceProxy, { ctx: opts.ctx, timeoutMs: opts.proxyTimeoutMs ?? 60_000, servicesDomain: opts.servicesDomain });
  const fast = fastServiceProxy(opts.ctx, {
    timeoutMs: opts.proxyTimeoutMs ?? 60_000,
    servicesDomain: opts.servicesDomain,
    log: {
      warn: (fields, message) => app.log.warn(fields, message),
      // The line Fastify writes when a request completes (same fields, same redaction).
      request: (app.log as { isLevelEnabled?: (level: string) => boolean }).isLevelEnabled?.('info') ? (req, ip, statusCode, ms) => app.log.info({ req: requestForLog({ method: req.method ?? '', url: req.url ?? '', ip }), res: { statusCode }, responseTime: ms }, 'request completed') : undefined,
    },
  });
  app.addHook('onClose', async () => fast.close());
  front = fast;
  await app.register(webUi, { root: opts.webRoot });
  return Object.assign(app as FastifyInstance, { runsInFlight: () => running.size });
}
