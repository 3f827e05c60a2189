import { RUNTIMES, type RuntimeName } from '../../config/config.ts';
import type { CliContext } from '../cli-context.ts';
import { parseFlags, usageError } from '../parse-flags.ts';

export const serverHelp = `Usage: berth server [--host 127.0.0.1] [--port 7420] [--runtime process|docker] [--log-level info] [--services-domain D] [--single-user]

Runs the Berth server: the REST API (docs at /api/docs, OpenAPI at /api/openapi.json), runs started
over the API, project services and the authenticated service proxy, the job scheduler (cron and
one-off batches run in the server) and the webhook dispatcher. JSON logs go to stdout.
--runtime (default BERTH_RUNTIME, else process) is where runs, services and sessions go: local
processes, or containers on the Docker engine at DOCKER_HOST.

The admin token is BERTH_ADMIN_TOKEN, or generated on the first start and printed once (only its hash
is stored). Ctrl-C / SIGTERM stops accepting requests, finishes those in flight and exits; services
keep running and are adopted by the next start; runs of job batches the scheduler started are
cancelled, webhook deliveries in flight finish. --log-level warn drops the per-request lines.
Every service is also served on its own origin, <name>--<project>[--<port>].<domain>, which is where
the web UI opens it (a one-time ticket, never your token). The domain is localhost when --host is a
loopback address (browsers resolve *.localhost to loopback); --services-domain example.org sets it,
given wildcard DNS *.example.org to this server. Without one, browsers cannot open services.

Host workloads (the process runtime): a server running as root runs them as BERTH_WORKLOAD_USER
(default berth-workload, created on first use), in a group per project, so no token can reach the
server's store or another project's folder. A server that is not root refuses them to project
tokens (admin tokens only), unless started with --single-user (BERTH_SINGLE_USER=1): a machine
where every token holder could act as the server's user anyway. See README "Security model".`;

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

export async function serverCommand(ctx: CliContext, args: string[]): Promise<number> {
  const { values, positionals } = parseFlags('server', args, {
    host: { type: 'string' },
    port: { type: 'string' },
    runtime: { type: 'string' },
    'log-level': { type: 'string' },
    'services-domain': { type: 'string' },
    'single-user': { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) return ctx.out(serverHelp), 0;
  if (positionals.length > 0) throw usageError('server', `unexpected argument "${positionals[0]}"`, 'berth server [--host H] [--port P]');
  const port = values.port === undefined ? 7420 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw usageError('server', `--port ${values.port} is not a port number`, 'e.g. --port 7420 (0 picks a free port)');
  if (values.runtime !== undefined && !(RUNTIMES as readonly string[]).includes(values.runtime)) {
    throw usageError('server', `--runtime ${values.runtime} is not a runtime this build has`, `use one of: ${RUNTIMES.join(', ')}`);
  }
  const config = values.runtime === undefined ? ctx.config : { ...ctx.config, runtime: values.runtime as RuntimeName };
  const level = values['log-level'] ?? 'info';
  if (!LOG_LEVELS.includes(level)) throw usageError('server', `--log-level ${level} is not a level`, `use one of ${LOG_LEVELS.join(', ')}`);
  const { startServer } = await import('../../server/start-server.ts');
  const server = await startServer(values['single-user'] ? { ...config, singleUser: true } : config, {
    host: values.host ?? '127.0.0.1',
    port,
    logger: { level },
    servicesDomain: values['services-domain'],
    onAdminToken: (secret) => ctx.err(`Generated the admin token (shown only now; Berth stores only its hash):\n\n  ${secret}\n\nUse it as BERTH_TOKEN=${secret} or "Authorization: Bearer …".`),
  });
  ctx.err(`Berth server listening on ${server.url} (API docs: ${server.url}/api/docs)`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  const running = server.app.runsInFlight();
  ctx.err(`Shutting down${running ? ` (${running} run(s) in progress will be marked FAILURE by the next start; their steps keep running until then)` : ''}; services keep running.`);
  await server.close();
  return 0;
}
