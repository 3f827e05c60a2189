import type { CliContext } from '../cli-context.ts';
import { instanceNameOf } from '../instance-uri.ts';
import { parseLeadingFlags } from '../leading-flags.ts';
import { attachTo } from './exec-command.ts';

export const instanceRunHelp = `Usage: berth run instance://NAME [ARGS...]

Runs the instance's command again inside the running instance (its environment, working directory
and, on container runtimes, namespaces), with ARGS appended, attached to your terminal.`;

/** `berth run instance://NAME [ARGS...]`. */
export async function instanceRunCommand(ctx: CliContext, args: string[]): Promise<number> {
  const { values, positionals } = parseLeadingFlags('run', args, { help: { type: 'boolean', short: 'h' } });
  if (values.help) return ctx.out(instanceRunHelp), 0;
  const [uri, ...extra] = positionals;
  const name = instanceNameOf('run', uri);
  const command = await (await ctx.instances()).command(name);
  return attachTo(ctx, name, [...command, ...extra]);
}
