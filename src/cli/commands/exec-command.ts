import { envFlags } from '../env-flags.ts';
import type { CliContext } from '../cli-context.ts';
import { instanceNameOf } from '../instance-uri.ts';
import { parseLeadingFlags } from '../leading-flags.ts';
import { usageError } from '../parse-flags.ts';

export const execHelp = `Usage: berth exec [-e|--env NAME=VALUE]... instance://NAME CMD [ARGS...]

Runs CMD inside a running instance: with its environment (and BERTH_INSTANCE=NAME), its working
directory, and on container runtimes its namespaces. Input and output are your terminal's (not the
instance's logs). Exits with CMD's exit status (127: not found).`;

export async function execCommand(ctx: CliContext, args: string[]): Promise<number> {
  const { values, positionals } = parseLeadingFlags('exec', args, {
    env: { type: 'string', short: 'e', multiple: true },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) return ctx.out(execHelp), 0;
  const [uri, ...argv] = positionals;
  const name = instanceNameOf('exec', uri);
  if (argv.length === 0) throw usageError('exec', 'expected a command after the instance', 'berth exec instance://web ls -l');
  return attachTo(ctx, name, argv, envPairs('exec', values.env ?? []));
}

/** Runs argv attached to the terminal inside instance `name`; its exit status (1 when unknown). */
export async function attachTo(ctx: CliContext, name: string, argv: string[], env: Record<string, string> = {}): Promise<number> {
  const result = await (await ctx.instances()).exec(name, argv, { attach: true, env });
  return result.code ?? 1;
}

function envPairs(command: string, items: string[]): Record<string, string> {
  return envFlags(command, items);
}
