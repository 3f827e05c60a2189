import { envFlags } from '../env-flags.ts';
import { readFileSync } from 'node:fs';
import { BerthError } from '../../errors.ts';
import type { CliContext } from '../cli-context.ts';
import { table } from '../format.ts';
import { parseFlags, usageError } from '../parse-flags.ts';

export const serviceHelp = `Usage: berth service deploy --project P (--file SERVICE.json | --image IMAGE [--name N] [--env K=V]...) [--json]
       berth service deploy --project P (--file … | --image …) --runtime kubernetes --dry-run
       berth service list --project P [--json]
       berth service logs --project P NAME [-f]
       berth service rm --project P NAME
       berth service template list [--json]
       berth service template add TEMPLATE PIPELINE_FILE [--name N]
       berth service logs --session PIPELINE_FILE NAME [-f]

Long-lived project services (ML Lab style), reachable through the server's proxy at
/api/projects/P/services/NAME/PORT/. Needs a server: set BERTH_ENDPOINT (and BERTH_TOKEN).
SERVICE.json is a Berth/Orchest service definition, e.g.
  {"name": "web", "command": "python3", "args": "-m http.server 8080", "ports": [8080]}
Templates (tensorboard, streamlit, vscode, jupyterlab, redis, postgres with a volume, mlflow) are
added to a pipeline file's services and run in its sessions (berth session --help); with --session,
logs shows a session service's output (same as berth session logs).
deploy --dry-run (with --runtime kubernetes, or BERTH_RUNTIME=kubernetes) prints every object the
service would create on the cluster, as YAML, from this Berth's store, deploying nothing.`;

export async function serviceCommand(ctx: CliContext, args: string[]): Promise<number> {
  const { values, positionals } = parseFlags('service', args, {
    project: { type: 'string' },
    file: { type: 'string' },
    image: { type: 'string' },
    name: { type: 'string' },
    env: { type: 'string', multiple: true },
    follow: { type: 'boolean', short: 'f' },
    session: { type: 'string' },
    runtime: { type: 'string' },
    'dry-run': { type: 'boolean' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) return ctx.out(serviceHelp), 0;
  const [verb, name] = positionals;
  if (verb === 'template') {
    const { serviceTemplateCommand } = await import('./service-template-command.ts');
    return serviceTemplateCommand(ctx, positionals.slice(1), values);
  }
  if (verb === 'logs' && values.session !== undefined && name) {
    const engine = await ctx.engine();
    for await (const chunk of await engine.sessions.logs(values.session, name, { follow: values.follow ?? false })) process.stdout.write(chunk.data);
    return 0;
  }
  if (!values.project) throw usageError('service', '--project is required', 'e.g. berth service list --project my-project');
  if (values['dry-run'] || values.runtime !== undefined) {
    if (verb !== 'deploy' || !values['dry-run']) throw usageError('service', '--runtime and --dry-run go together, with deploy (a server deploys on its own runtime)', 'berth service deploy --project P --file SERVICE.json --runtime kubernetes --dry-run');
    if ((values.runtime ?? ctx.config.runtime) !== 'kubernetes') throw usageError('service deploy', '--dry-run prints the Kubernetes objects of a service', 'add --runtime kubernetes (or set BERTH_RUNTIME=kubernetes)');
    if (!values.file && !values.image) throw usageError('service deploy', 'give --file SERVICE.json or --image IMAGE', 'see berth service --help');
    const body = values.file ? readDefinition(values.file) : envFlags('service deploy', values.env ?? []);
    return (await import('./kube-session-dry-run.ts')).kubeServiceDryRun(ctx, values.project, body, values.file ? {} : { image: values.image, name: values.name });
  }
  const backend = await ctx.backend();
  if (verb === 'deploy') {
    const env = envFlags('service deploy', values.env ?? []);
    const body = values.file ? readDefinition(values.file) : env;
    if (!values.file && !values.image) throw usageError('service deploy', 'give --file SERVICE.json or --image IMAGE', 'see berth service --help');
    const info = await backend.deployService(values.project, body, values.file ? {} : { image: values.image, name: values.name });
    if (values.json) return ctx.out(JSON.stringify(info)), 0;
    ctx.out(`Service "${info.name}" ${info.status}: ${Object.values(info.urls).join(' ')}`);
    return 0;
  }
  if (verb === 'list') {
    const services = await backend.listServices(values.project);
    if (values.json) return ctx.out(JSON.stringify({ services })), 0;
    if (services.length === 0) return ctx.out('No services.'), 0;
    ctx.out(table(['NAME', 'STATUS', 'URLS', 'CREATED'], services.map((s) => [s.name, s.status, Object.values(s.urls).join(' '), s.created_at.replace('T', ' ').slice(0, 19)])));
    return 0;
  }
  if (verb === 'logs' && name) {
    for await (const chunk of await backend.serviceLogs(values.project, name, { follow: values.follow ?? false })) process.stdout.write(chunk);
    return 0;
  }
  if (verb === 'rm' && name) {
    await backend.removeService(values.project, name);
    ctx.out(`Service "${name}" removed (its token is revoked).`);
    return 0;
  }
  throw usageError('service', verb ? `unknown or incomplete subcommand "${verb}"` : 'expected a subcommand', 'berth service deploy|list|logs|rm (see berth service --help)');
}

function readDefinition(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new BerthError('BERTH_E_INVALID_ARGUMENT', `--file ${path}: ${e instanceof Error ? e.message : String(e)}`, {
      problems: [{ path: '--file', message: 'not a readable JSON file', fix: 'give a JSON service definition' }],
    });
  }
}
