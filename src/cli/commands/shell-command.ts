import type { CliContext } from '../cli-context.ts';
import { instanceNameOf } from '../instance-uri.ts';
import { parseLeadingFlags } from '../leading-flags.ts';
import { usageError } from '../parse-flags.ts';
import { attachTo } from './exec-command.ts';

export const shellHelp = `Usage: berth shell [-s|--shell PATH] instance://NAME

Opens an interactive shell (default /bin/sh) inside a running instance, with its environment and
working directory. The prompt says which instance you are in.`;

export async function shellCommand(ctx: CliContext, args: string[]): Promise<number> {
  const { values, positionals } = parseLeadingFlags('shell', args, {
    shell: { type: 'string', short: 's' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) return ctx.out(shellHelp), 0;
  if (positionals.length !== 1) throw usageError('shell', 'expected exactly one instance://NAME', 'berth shell instance://web');
  const name = instanceNameOf('shell', positionals[0]);
  return attachTo(ctx, name, [values.shell ?? '/bin/sh'], { PS1: `Berth ${name}> ` });
}
