import { RUNTIMES, type RuntimeName } from '../../config/config.ts';
import type { SessionView } from '../../sessions/session-view.ts';
import type { CliContext } from '../cli-context.ts';
import { table } from '../format.ts';
import { parseFlags, usageError } from '../parse-flags.ts';

export const sessionHelp = `Usage: berth session start PIPELINE_FILE [--runtime process|docker|kubernetes] [--timeout SECONDS] [--json]
       berth session start PIPELINE_FILE --runtime kubernetes --dry-run
       berth session stop PIPELINE_FILE [--json]
       berth session status PIPELINE_FILE [--json]
       berth session list [--json]
       berth session logs PIPELINE_FILE SERVICE [-f]

An interactive session (Orchest's): start runs the pipeline's services whose "scope" includes
"interactive", in their "order", waits for each to be ready (its image's HEALTHCHECK healthy, else
every declared port accepting connections) and then reports RUNNING. Services keep running after
this command returns, until \`session stop\`. A \`berth run\` of the pipeline while its session runs
reaches the services by name:
  docker   services and the run's step containers share the network berth-session-<session uuid>;
           a service answers to its name and to <name>-<session uuid> (the SDK's internal_hostname)
  process  services are host commands listening on their declared ports on 127.0.0.1; steps get
           BERTH_SERVICES_HOST=127.0.0.1 (the SDK's internal_hostname); no isolation, binds and
           volumes do not apply, and two sessions cannot use the same port
With BERTH_ENDPOINT set, start, stop and status go to that server (list and logs stay local).
Restart policy per service: "berth_restart": "no" | "on-failure" (default) | "always". Named
volumes: "berth_volumes": {"pgdata": "/var/lib/postgresql/data"} (kept across session restarts).

Options:
  --runtime NAME     process (default: BERTH_RUNTIME), docker or kubernetes
  --dry-run          with --runtime kubernetes: print every object the services would create, as
                     YAML (kubectl apply -f - reads it), without a cluster and without starting
  --timeout SECONDS  how long to wait for each service to be ready (default 120)
  --json             print the session as JSON
Exit status: 0 ok, 1 a service did not become ready (the session is stopped, FAILED), 2 invalid input.`;

export async function sessionCommand(ctx: CliContext, args: string[]): Promise<number> {
  const { values, positionals } = parseFlags('session', args, {
    runtime: { type: 'string' },
    'dry-run': { type: 'boolean' },
    timeout: { type: 'string' },
    follow: { type: 'boolean', short: 'f' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) return ctx.out(sessionHelp), 0;
  const [verb, file, service] = positionals;
  if (values.runtime !== undefined && !(RUNTIMES as readonly string[]).includes(values.runtime)) {
    throw usageError('session', `--runtime ${values.runtime} is not a runtime this build has`, `use one of: ${RUNTIMES.join(', ')}`);
  }
  const timeout = values.timeout === undefined ? undefined : Number(values.timeout);
  if (timeout !== undefined && !(Number.isFinite(timeout) && timeout > 0)) throw usageError('session', `--timeout ${values.timeout} is not a number of seconds`, 'e.g. --timeout 60');
  if (verb === 'list') {
    const sessions = await (await ctx.backend()).listSessions();
    if (values.json) return ctx.out(JSON.stringify({ sessions })), 0;
    if (sessions.length === 0) return ctx.out('No sessions.'), 0;
    ctx.out(table(['SESSION', 'STATUS', 'RUNTIME', 'SERVICES', 'PIPELINE'], sessions.map((s) => [s.uuid, s.status, s.runtime, s.services.map((x) => `${x.name}:${x.state}`).join(' '), s.pipeline_file])));
    return 0;
  }
  if (file === undefined) throw usageError('session', verb ? `${verb} needs a PIPELINE_FILE` : 'expected a subcommand', 'berth session start|stop|status|logs PIPELINE_FILE (see berth session --help)');
  if (verb === 'logs') {
    if (service === undefined) throw usageError('session', 'logs needs a SERVICE name', 'berth session logs PIPELINE_FILE SERVICE [-f]');
    for await (const chunk of await (await ctx.backend()).sessionLogs(file, service, { follow: values.follow ?? false })) process.stdout.write(chunk);
    return 0;
  }
  if (values['dry-run']) {
    if (verb !== 'start') throw usageError('session', '--dry-run goes with start', 'berth session start PIPELINE_FILE --runtime kubernetes --dry-run');
    if ((values.runtime ?? ctx.config.runtime) !== 'kubernetes') throw usageError('session', '--dry-run prints the Kubernetes objects of a session', 'add --runtime kubernetes (or set BERTH_RUNTIME=kubernetes)');
    return (await import('./kube-session-dry-run.ts')).kubeSessionDryRun(ctx, file);
  }
  const backend = await ctx.backend();
  let view: SessionView;
  if (verb === 'start') {
    const abort = new AbortController();
    const onSigint = () => abort.abort(new Error('interrupted'));
    process.once('SIGINT', onSigint);
    try {
      view = await backend.session('start', file, {
        runtime: values.runtime as RuntimeName | undefined,
        readyTimeoutMs: timeout === undefined ? undefined : timeout * 1000,
        signal: abort.signal,
        onProgress: (line) => ctx.err(line),
      });
    } finally {
      process.off('SIGINT', onSigint);
    }
  } else if (verb === 'stop' || verb === 'status') view = await backend.session(verb, file);
  else throw usageError('session', `unknown subcommand "${verb}"`, 'berth session start|stop|status|list|logs');
  if (values.json) return ctx.out(JSON.stringify(view)), 0;
  ctx.out(describe(view));
  return 0;
}

function describe(view: SessionView): string {
  const head = `Session ${view.uuid} ${view.status} (${view.runtime}${view.network ? `, network ${view.network}` : ''})${view.reason ? `: ${view.reason}` : ''}`;
  if (view.services.length === 0) return `${head}\nNo services in this session.`;
  const rows = view.services.map((s) => [s.name, s.state, s.hostname, Object.entries(s.ports).map(([p, at]) => `${p}→${at}`).join(' '), String(s.restarts)]);
  return `${head}\n${table(['SERVICE', 'STATE', 'HOSTNAME', 'PORTS', 'RESTARTS'], rows)}`;
}
