import { readFileSync } from 'node:fs';
import { loadConfig } from '../config/config.ts';
import { BerthError, formatProblem, isBerthError, type Problem } from '../errors.ts';
import { makeCliContext, type CliContext } from './cli-context.ts';

type Command = (ctx: CliContext, args: string[]) => Promise<number>;

/** Loaded on demand: `berth --help` or `berth validate` should not pay for the store and drivers. */
const COMMANDS: Record<string, () => Promise<Command>> = {
  run: async () => (await import('./commands/run-command.ts')).runCommand,
  runs: async () => (await import('./commands/runs-command.ts')).runsCommand,
  logs: async () => (await import('./commands/logs-command.ts')).logsCommand,
  cancel: async () => (await import('./commands/cancel-command.ts')).cancelCommand,
  validate: async () => (await import('./commands/validate-command.ts')).validateCommand,
  env: async () => (await import('./commands/env-command.ts')).envCommand,
  import: async () => (await import('./commands/import-command.ts')).importCommand,
  instance: async () => (await import('./commands/instance-command.ts')).instanceCommand,
  exec: async () => (await import('./commands/exec-command.ts')).execCommand,
  shell: async () => (await import('./commands/shell-command.ts')).shellCommand,
  server: async () => (await import('./commands/server-command.ts')).serverCommand,
  token: async () => (await import('./commands/token-command.ts')).tokenCommand,
  service: async () => (await import('./commands/service-command.ts')).serviceCommand,
  job: async () => (await import('./commands/job-command.ts')).jobCommand,
  webhook: async () => (await import('./commands/webhook-command.ts')).webhookCommand,
  events: async () => (await import('./commands/events-command.ts')).eventsCommand,
  scheduler: async () => (await import('./commands/scheduler-command.ts')).schedulerCommand,
  session: async () => (await import('./commands/session-command.ts')).sessionCommand,
  'env-var': async () => (await import('./commands/env-var-command.ts')).envVarCommand,
  project: async () => (await import('./commands/project-command.ts')).projectCommand,
  git: async () => (await import('./commands/git-command.ts')).gitCommand,
  pipeline: async () => (await import('./commands/pipeline-command.ts')).pipelineCommand,
  init: async () => (await import('./commands/init-command.ts')).initCommand,
  kube: async () => (await import('./commands/kube-command.ts')).kubeCommand,
  db: async () => (await import('./commands/db-command.ts')).dbCommand,
};

const HELP = `Berth — pipelines and services for data teams (runs Orchest projects unchanged)

Usage: berth COMMAND [options]

Commands:
  init [DIR]            write a starter project: a pipeline of two connected steps, ready for berth run
  run PIPELINE_FILE     run a pipeline (all steps, a selection, or the incoming steps of a selection)
  runs [show RUN]       list runs, or show one with its steps
  logs RUN STEP         print a step's log (-f to follow)
  cancel RUN            cancel a pending or running run
  validate FILE         check a pipeline file and report every problem
  env build PATH        build environment images (base image + setup script) on Docker
  env list              a project's environments and their image builds
  env shell ENV         an interactive shell in a project's environment
  import orchest DIR    check an Orchest project: what Berth will use and what it cannot
  instance start|run|list|stop|stats|logs   named background instances (Apptainer's command line)
  exec instance://NAME CMD   run a command inside a running instance
  shell instance://NAME      open a shell inside a running instance
  run instance://NAME        run an instance's command again inside it
  server                run the REST API and service proxy (berth server --help)
  token create|list|revoke   project tokens for the API and the service proxy
  service deploy|list|logs|rm   project services behind the server's proxy
  job SUBCOMMAND        jobs: create|list|show|pause|resume|trigger|cancel|rm (cron, parameter grids)
  webhook SUBCOMMAND    webhooks: add|list|rm|ping|deliveries|redeliver
  events                list or follow (-f) recorded events; \`events types\` lists the types
  scheduler             run the job scheduler and webhook dispatcher in the foreground
  service template list|add     built-in service definitions, added to a pipeline file
  session start|stop|status|list|logs   interactive sessions: a pipeline's services
  env-var set|list|rm           project and pipeline environment variables (secrets)
  project list|rename|move|rm|import   registered projects (rm unregisters; the folder is kept; import clones from git)
  git identity|key              your git identity and SSH keys (import, environment shells)
  pipeline rm FILE              delete a pipeline file (records project:pipeline:deleted)
  kube manifests [--replicas N]  Berth itself on Kubernetes, as YAML (RBAC, PVC, servers, Service, Ingress)
  db status|migrate|copy        the store: SQLite (default) or PostgreSQL (BERTH_DATABASE_URL)

Every command takes --help. Lists take --json.
State lives in BERTH_HOME (default ~/.berth); BERTH_DATABASE_URL=postgres://… keeps the store in PostgreSQL. With BERTH_ENDPOINT (+ BERTH_TOKEN) set, run, runs,
logs, cancel, validate and token talk to that Berth server instead.`;

/** Runs the CLI and returns the exit code. Never lets a stack trace reach the user. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(`${HELP}\n`);
    return command === undefined ? 2 : 0;
  }
  if (command === '--version' || command === '-V') {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    process.stdout.write(`berth ${pkg.version}\n`);
    return 0;
  }
  const json = args.includes('--json');
  let ctx: ReturnType<typeof makeCliContext> | undefined;
  try {
    const load = COMMANDS[command];
    if (!load) {
      throw new BerthError('BERTH_E_INVALID_ARGUMENT', `unknown command "${command}"`, {
        problems: [{ path: 'COMMAND', message: `"${command}" is not a berth command`, fix: `use one of: ${Object.keys(COMMANDS).join(', ')} (see berth --help)` }],
      });
    }
    const handler = await load();
    ctx = makeCliContext(loadConfig());
    return await handler(ctx, args);
  } catch (e) {
    return reportError(e, json);
  } finally {
    await ctx?.close().catch(() => {});
  }
}

function reportError(e: unknown, json: boolean): number {
  const err = isBerthError(e) ? e : new BerthError('BERTH_E_INTERNAL', `internal error: ${e instanceof Error ? e.message : String(e)}`);
  if (json) process.stdout.write(`${JSON.stringify({ error: err.toJSON() })}\n`);
  const lines = [`berth: ${err.message} [${err.code}]`, ...err.problems.flatMap((p) => problemLines(err.message, p))];
  if (err.code === 'BERTH_E_INTERNAL' && e instanceof Error && e.stack) lines.push('  (this is a bug in Berth; please report it with the command you ran)');
  process.stderr.write(`${lines.join('\n')}\n`);
  return err.exitCode;
}

/**
 * A problem under the headline. One that only repeats the headline adds its fix, and its field
 * unless the headline starts with it (usage errors start with the command).
 */
function problemLines(headline: string, p: Problem): string[] {
  if (!headline.includes(p.message)) return [`  - ${formatProblem(p)}`];
  if (headline.startsWith(`${p.path}:`)) return p.fix ? [`  fix: ${p.fix}`] : [];
  return [`  - ${p.path}${p.fix ? `: fix: ${p.fix}` : ''}`];
}
