import { readFileSync } from 'node:fs';
import { envVarTarget } from '../../projects/env-vars.ts';
import type { CliContext } from '../cli-context.ts';
import { table } from '../format.ts';
import { parseFlags, usageError } from '../parse-flags.ts';

export const envVarHelp = `Usage: berth env-var set (--project P | --pipeline FILE) NAME [VALUE] [--json]
       berth env-var list (--project P | --pipeline FILE) [--json]
       berth env-var rm (--project P | --pipeline FILE) NAME

Project and pipeline environment variables (Orchest's), kept as secrets in Berth's store — never in
the pipeline file, and never printed: lists show names only. Every step of the project's pipelines
gets the project's variables, overridden by the pipeline's, overridden by \`berth run --env\`.
Services get them only when they name them in "env_variables_inherit" (inherited values win over
the service's own "env_variables").
Without VALUE, \`set\` reads the value from standard input (so it stays out of shell history):
  printf %s "$DB_PASSWORD" | berth env-var set --project shop DB_PASSWORD
(Not to be confused with \`berth env build\`, which builds environment images.)

Options:
  --project P       a registered project, by name or uuid (the variable is the project's)
  --pipeline FILE   a pipeline file (the variable is that pipeline's; its project is registered if new)
  --json            print JSON (values masked)`;

export async function envVarCommand(ctx: CliContext, args: string[]): Promise<number> {
  const { values, positionals } = parseFlags('env-var', args, {
    project: { type: 'string' },
    pipeline: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) return ctx.out(envVarHelp), 0;
  const [verb, name, value, ...rest] = positionals;
  if (values.project !== undefined && values.pipeline !== undefined) throw usageError('env-var', 'give --project or --pipeline, not both', 'a variable belongs to a project or to one pipeline');
  const engine = await ctx.engine();
  const target = () => envVarTarget(engine.projects, { project: values.project, pipelineFile: values.pipeline });
  if (verb === 'list' && name === undefined) {
    const vars = await engine.envVars.list(await target());
    if (values.json) return ctx.out(JSON.stringify({ variables: vars })), 0;
    if (vars.length === 0) return ctx.out('No variables.'), 0;
    ctx.out(table(['NAME', 'VALUE', 'SCOPE', 'UPDATED'], vars.map((v) => [v.name, v.value, v.scope, v.updated_at.replace('T', ' ').slice(0, 19)])));
    return 0;
  }
  if (verb === 'set' && name !== undefined && rest.length === 0) {
    const info = await engine.envVars.set(await target(), name, value ?? readFileSync(0, 'utf8').replace(/\r?\n$/, ''));
    if (values.json) return ctx.out(JSON.stringify(info)), 0;
    ctx.out(`Set ${info.scope === 'project' ? 'project' : 'pipeline'} variable ${info.name}.`);
    return 0;
  }
  if (verb === 'rm' && name !== undefined && value === undefined) {
    await engine.envVars.remove(await target(), name);
    ctx.out(`Removed ${name}.`);
    return 0;
  }
  throw usageError('env-var', verb ? `unknown or incomplete subcommand "${verb}"` : 'expected a subcommand', 'berth env-var set|list|rm (see berth env-var --help)');
}
