import type { CliContext } from '../cli-context.ts';
import { parseFlags, usageError } from '../parse-flags.ts';

export const envHelp = `Usage: berth env build [--json] PATH

Builds environment images on the Docker engine (DOCKER_HOST): PATH is a project folder (all of its
.orchest/environments/<uuid>/) or one environment folder. Each image is the environment's
base_image with its setup_script.sh run in it (by bash, or sh where the image has no bash), tagged
berth-env/<uuid>:<content hash>: an unchanged environment is not built again. Build output is shown
as it comes and kept in BERTH_HOME/builds/<uuid>/<hash>.log; a failing setup script fails the build.

Options:
  --json   print {"environments": [{uuid, name, image, built, log}]} on stdout
Exit status: 0 all images are ready, 1 a build failed or Docker is unreachable, 2 invalid input.`;

export async function envCommand(ctx: CliContext, args: string[]): Promise<number> {
  const { values, positionals } = parseFlags('env', args, { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } });
  if (values.help) return ctx.out(envHelp), 0;
  const [verb, path, ...rest] = positionals;
  if (verb !== 'build') throw usageError('env', verb === undefined ? 'expected a subcommand' : `unknown subcommand "${verb}"`, 'berth env build PATH_TO_PROJECT_OR_ENV');
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
