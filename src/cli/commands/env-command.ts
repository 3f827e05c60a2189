import type { CliContext } from '../cli-context.ts';
import { duration, table } from '../format.ts';
import { parseFlags, usageError } from '../parse-flags.ts';
import { projectChoice, type ProjectChoice } from '../backend/project-choice.ts';

export const envHelp = `Usage: berth env build [--json] PATH
       berth env build PATH --runtime kubernetes --dry-run
       berth env builds [--status S] [--limit N] [--before ID] [--json]
       berth env list [--project P] [--json]
       berth env shell [--project P] ENV

Builds environment images on the Docker engine (DOCKER_HOST): PATH is a project folder (all of its
.orchest/environments/<uuid>/) or one environment folder. Each image is built as Orchest built it:
the environment's base_image (registry:<ref> means <ref>; orchest/base-kernel-* map through
BERTH_ORCHEST_IMAGES), the project's files at /project-dir (minus .gitignore/.dockerignore), and
\`bash < setup_script.sh\` run there; tagged berth-env/<uuid>:<content hash>: an unchanged
environment is not built again. A missing base image is pulled first. Build output is shown as it
comes and kept in BERTH_HOME/builds/<uuid>/<hash>.log; a failing setup script fails the build.
(On the process runtime environments are Python virtual environments, built on first use by a run.)

At most BERTH_MAX_BUILDS builds (default 1) run at once, across every Berth process on the store;
the others wait PENDING ("waiting for a build slot: N ahead"). \`env builds\` lists builds, newest
first (status PENDING, STARTED, SUCCESS or FAILURE); with BERTH_ENDPOINT set, the server's.

\`env list\` lists the project's environments: name, uuid, language, base image and its newest
image build (status, or "not built").

\`env shell ENV\` opens an interactive shell in the environment ENV (its name or uuid) as the project's
steps see it: on the process runtime bash with the environment's virtual environment activated, in
/project-dir with the data folder at /data (where the host allows mount namespaces; else in the
project folder); on Docker a fresh container of the environment's image with /project-dir and /data
mounted, removed when the shell ends. The environment is built first when needed. The exit status
is the shell's.

Without --project, \`env list\` and \`env shell\` are for the project of the current folder (registered
if new); with BERTH_ENDPOINT set they run on the server, and --project is required.

With --runtime kubernetes --dry-run (or BERTH_RUNTIME=kubernetes), \`env build\` prints as YAML the
builder Job (kaniko or BuildKit, BERTH_KUBE_BUILDER) of each environment whose image this
installation has not pushed to BERTH_KUBE_REGISTRY yet, and creates nothing: no cluster needed.

Options:
  --project P  env list, env shell: a registered project by name or uuid, or a project folder
               (a path: it has a "/", e.g. ./my-project or /srv/projects/shop; registered if new)
  --runtime R  env build --dry-run: kubernetes
  --dry-run    env build: print the builder Jobs a build on the cluster would create (see above)
  --json   build: print {"environments": [{uuid, name, image, built, log}]};
           builds: print {"builds": [...], "next_cursor"} (pass it as --before for the next page);
           list: print {"environments": [{uuid, name, language, base_image, gpu_support,
           has_setup_script, problem, pipelines, build}]} (as GET /api/projects/{p}/environments)
Exit status: 0 all images are ready, 1 a build failed or Docker is unreachable, 2 invalid input.`;

export async function envCommand(ctx: CliContext, args: string[]): Promise<number> {
  const { values, positionals } = parseFlags('env', args, {
    json: { type: 'boolean' },
    status: { type: 'string' },
    limit: { type: 'string' },
    before: { type: 'string' },
    project: { type: 'string' },
    runtime: { type: 'string' },
    'dry-run': { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) return ctx.out(envHelp), 0;
  const [verb, path, ...rest] = positionals;
  if (values['dry-run'] || values.runtime !== undefined) {
    if (verb !== 'build' || !values['dry-run']) throw usageError('env', '--runtime and --dry-run go together, with build (a build runs on BERTH_RUNTIME)', 'berth env build PATH --runtime kubernetes --dry-run');
    if ((values.runtime ?? ctx.config.runtime) !== 'kubernetes') throw usageError('env build', '--dry-run prints the builder Jobs of a build on Kubernetes', 'add --runtime kubernetes (or set BERTH_RUNTIME=kubernetes)');
    if (path === undefined || rest.length > 0) throw usageError('env', 'expected exactly one PATH', 'berth env build path/to/project --runtime kubernetes --dry-run');
    return (await import('./kube-env-dry-run.ts')).kubeEnvBuildDryRun(ctx, path);
  }
  if (verb === 'builds' && path === undefined) return listBuilds(ctx, values);
  if (verb === 'list') {
    if (path !== undefined) throw usageError('env list', `unexpected argument "${path}"`, 'berth env list [--project NAME_OR_PATH] [--json]');
    return listEnvironments(ctx, projectChoice(values.project, process.cwd()), values.json === true);
  }
  if (verb === 'shell') {
    if (path === undefined || rest.length > 0) throw usageError('env shell', 'expected exactly one environment (its name or uuid)', 'berth env shell my-environment');
    return environmentShell(ctx, path, projectChoice(values.project, process.cwd()));
  }
  if (verb !== 'build') throw usageError('env', verb === undefined ? 'expected a subcommand' : `unknown subcommand "${verb}"`, 'berth env build PATH_TO_PROJECT_OR_ENV, berth env builds, berth env list or berth env shell ENV');
  if (path === undefined || rest.length > 0) throw usageError('env', 'expected exactly one PATH', 'berth env build path/to/project');
  const engine = await ctx.engine();
  const images = await engine.buildEnvironments(path, {
    onStart: (env) => ctx.err(`Environment ${env.name} (${env.uuid}): checking ${env.image}`),
    onProgress: (env, line) => ctx.err(`  [${env.name}] ${line}`),
  });
  if (values.json) return ctx.out(JSON.stringify({ environments: images })), 0;
  for (const image of images) {
    ctx.out(image.built ? `Built ${image.image} (${image.name}); log: ${image.log}` : `Up to date: ${image.image} (${image.name})`);
  }
  return 0;
}

/** The shell on this terminal (raw mode when it is one), until it exits; its exit status. */
async function environmentShell(ctx: CliContext, environment: string, project: ProjectChoice): Promise<number> {
  const { stdin, stdout } = process;
  const size = () => ({ cols: stdout.columns || 80, rows: stdout.rows || 24 });
  const { terminal, environment: env } = await (await ctx.backend()).openShell({ project, environment, ...size(), onProgress: (line) => ctx.err(line) });
  if (stdin.isTTY) ctx.err(`Shell in environment ${env.name} (${env.uuid}); exit to leave.`);
  terminal.onData((chunk) => stdout.write(chunk));
  const raw = Boolean(stdin.isTTY);
  if (raw) stdin.setRawMode(true);
  const input = (chunk: Buffer) => terminal.write(chunk);
  const resize = () => terminal.resize(size().cols, size().rows);
  stdin.on('data', input);
  stdout.on('resize', resize);
  stdin.resume();
  const code = await terminal.exited;
  stdin.off('data', input);
  stdout.off('resize', resize);
  if (raw) stdin.setRawMode(false);
  stdin.pause();
  stdin.destroy();
  await terminal.close();
  return code ?? 1;
}

async function listEnvironments(ctx: CliContext, project: ProjectChoice, json: boolean): Promise<number> {
  const environments = await (await ctx.backend()).listEnvironments(project);
  if (json) return ctx.out(JSON.stringify({ environments })), 0;
  if (environments.length === 0) return ctx.out('No environments (.orchest/environments/ is empty).'), 0;
  ctx.out(table(['NAME', 'UUID', 'LANGUAGE', 'BASE IMAGE', 'BUILD'], environments.map((e) => [e.name || '-', e.uuid, e.language || '-', e.base_image || '-', e.build?.status ?? 'not built'])));
  for (const e of environments) if (e.problem) ctx.err(`Environment ${e.uuid}: ${e.problem}`);
  return 0;
}

async function listBuilds(ctx: CliContext, values: { json?: boolean; status?: string; limit?: string; before?: string }): Promise<number> {
  const statuses = ['PENDING', 'STARTED', 'SUCCESS', 'FAILURE'];
  if (values.status !== undefined && !statuses.includes(values.status)) throw usageError('env builds', `--status "${values.status}" is not a build status`, `use one of ${statuses.join(', ')}`);
  const limit = values.limit === undefined ? 50 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw usageError('env builds', `--limit "${values.limit}" is not a number from 1 to 500`, 'e.g. --limit 20');
  const page = await (await ctx.backend()).listBuilds({ limit, status: values.status, before: values.before });
  if (values.json) return ctx.out(JSON.stringify(page)), 0;
  if (page.builds.length === 0) return ctx.out('No builds.'), 0;
  ctx.out(table(['BUILD', 'ENVIRONMENT', 'STATUS', 'CREATED', 'DURATION', 'IMAGE'], page.builds.map((b) => [
    b.uuid.slice(0, 8), b.environment_name, b.status, b.created_at.replace('T', ' ').slice(0, 19), duration(b.started_at, b.finished_at), b.image,
  ])));
  if (page.next_cursor) ctx.err(`More: berth env builds --before ${page.next_cursor}`);
  return 0;
}
