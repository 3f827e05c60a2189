import type { FastifyInstance } from 'fastify';
import type { BerthConfig } from '../config/config.ts';
import { Engine } from '../engine/engine.ts';
import { createLogger, LOG_LEVELS, type LogLevel } from '../log.ts';
import { JobScheduler } from '../jobs/job-scheduler.ts';
import type { SharedStoreDuties } from '../leases/shared-store-duties.ts';
import { AuthFailureLimiter } from '../auth/auth-failure-limiter.ts';
import { hostWorkloadPolicy } from '../auth/host-workload-policy.ts';
import { secureHome } from '../store/secure-home.ts';
import { closeProjectFolder } from '../projects/close-project-folder.ts';
import { isLoopbackHost, listenOnBridge } from './bridge-listener.ts';
import { buildApp, type AppOptions } from './build-app.ts';
import type { ServerContext } from './server-context.ts';
import { defaultAdvertiseUrl } from '../config/server-identity.ts';

export interface RunningServer {
  app: FastifyInstance & { runsInFlight: () => number };
  url: string;
  /**
   * Stops accepting connections, lets in-flight requests finish, stops the job scheduler (the runs
   * of the batches it started are cancelled) and the webhook dispatcher (deliveries in flight
   * finish), and closes the engine. Services and runs started over the API keep running.
   */
  close: () => Promise<void>;
}

export interface ServerOptions {
  host: string;
  port: number;
  logger?: AppOptions['logger'];
  proxyTimeoutMs?: number;
  /** Services' own origins: `<name>--<project>[--<port>].<servicesDomain>`. Default: "localhost" when `host` is a loopback address. */
  servicesDomain?: string;
  /** The clock of tickets and service sessions (tests move it). */
  now?: () => number;
  authFailures?: { max?: number; windowMs?: number };
  /** Told the generated admin token on first start (it is printed once and never stored in clear). */
  onAdminToken?: (secret: string) => void;
}

/**
 * Opens the engine, makes sure an admin token exists, adopts the services that outlived the last
 * server, listens, and starts the job scheduler, the webhook dispatcher (so scheduled batches run,
 * and deliveries are sent, inside the server) and the Docker sessions' kernel host launcher (adopting
 * the kernel hosts that outlived the last server). Used by `berth server` and by the tests.
 */
export async function startServer(given: BerthConfig, opts: ServerOptions): Promise<RunningServer> {
  const hostPolicy = hostWorkloadPolicy(given);
  // A root server never runs host workloads as root: they run as the workload user.
  const config: BerthConfig = { ...given, hostWorkloads: hostPolicy === 'workload-user' ? 'workload-user' : 'self' };
  secureHome(config);
  const engine = await Engine.open(config, { now: opts.now, logger: createLogger(serverLogLevel(opts.logger), { fd: 1 }) });
  let url = `http://${opts.host}:${opts.port}`;
  let app: RunningServer['app'] | undefined;
  let bridge: import('node:net').Server | undefined;
  let duties: SharedStoreDuties | undefined;
  try {
    const { tokens, projects, services, serviceAccess, webSessions } = engine;
    engine.serveAt(url);
    const schedulerLog = engine.log.child({ component: 'scheduler' });
    // Several servers on one PostgreSQL store: lease + reaper, one scheduler, other servers' events.
    const leaseLog = engine.log.child({ component: 'lease' });
    duties = await engine.shareStore((line) => leaseLog.info(line));
    const scheduler = new JobScheduler(engine.jobs, { pollMs: config.schedulerPollMs, log: (line) => schedulerLog.info(line), leads: duties.leadsScheduler });
    const ctx: ServerContext = { engine, projects, tokens, services, limiter: new AuthFailureLimiter(opts.authFailures), scheduler, serviceAccess, webSessions, hostPolicy, peers: duties.peers };
    if (hostPolicy === 'workload-user') for (const project of await projects.list()) closeProjectFolder(project.path);
    const { generated } = await tokens.ensureAdmin(config.adminToken);
    if (generated) opts.onAdminToken?.(generated);
    app = await buildApp({ ctx, logger: opts.logger, proxyTimeoutMs: opts.proxyTimeoutMs, servicesDomain: opts.servicesDomain ?? defaultServicesDomain(opts.host) });
    const address = await app.listen({ host: opts.host, port: opts.port });
    url = address;
    engine.serveAt(url);
    // Other servers on the store forward requests for this host's services here.
    const port = new URL(url).port;
    await duties.advertise(config.advertiseUrl ?? defaultAdvertiseUrl(`http://${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${port}`));
    // Containers call BERTH_ENDPOINT (host.docker.internal): be there too when listening on loopback only.
    if (config.runtime === 'docker' && isLoopbackHost(opts.host)) {
      bridge = await listenOnBridge(app.server, Number(new URL(url).port)).catch((e: unknown) => {
        app?.log.warn(`containers cannot reach this server: listening on the docker0 bridge failed (${String(e)}); start it with --host 0.0.0.0 or the bridge address`);
        return undefined;
      });
      if (bridge) app.log.info(`containers reach this server at http://host.docker.internal:${new URL(url).port} (docker0 bridge)`);
    }
    for (const r of await services.adopt(async (uuid) => projects.find(uuid))) app.log.info(r, `service ${r.action}`);
    const dispatcherLog = engine.log.child({ component: 'dispatcher' });
    const dispatcher = engine.outbox.dispatcher({ log: (line) => dispatcherLog.info(line) });
    const off = engine.outbox.recorder.onRecorded(() => dispatcher.nudge());
    scheduler.start();
    dispatcher.start();
    // Docker sessions' kernel host containers: started for kernel requests, removed when they end (decision 0018).
    const kernelHosts = engine.sessions.kernelHosts(engine.log.child({ component: 'kernel-hosts' })).start();
    const listening = app;
    return {
      app: listening,
      url,
      close: async () => {
        bridge?.close();
        await listening.close();
        off();
        await scheduler.stop({ abortRuns: true });
        await dispatcher.stop();
        await kernelHosts.close();
        await duties?.stop();
        await engine.close();
      },
    };
  } catch (e) {
    await duties?.stop();
    await engine.close();
    throw e;
  }
}

/** On loopback every service gets its own origin under `localhost` (browsers resolve `*.localhost` to loopback). */
export function defaultServicesDomain(host: string): string | undefined {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host) ? 'localhost' : undefined;
}

/** The server's own log follows its request log's level (silent when the request log is off). */
function serverLogLevel(logger: ServerOptions['logger']): LogLevel {
  if (logger === undefined || logger === false) return 'silent';
  const level = logger === true ? 'info' : (logger as { level?: string }).level ?? 'info';
  return (LOG_LEVELS as readonly string[]).includes(level) ? (level as LogLevel) : 'info';
}
