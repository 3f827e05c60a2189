import type { CliContext } from '../cli-context.ts';
import { parseLeadingFlags } from '../leading-flags.ts';
import { usageError } from '../parse-flags.ts';

export const instanceLogsHelp = `Usage: berth instance logs [-f|--follow] NAME

Prints an instance's output: its stdout log to stdout, its stderr log to stderr (where Berth also
notes restarts and health changes). The logs are kept after the instance stops and appended to by
later instances of the same name. With --follow, keeps printing until the instance stops (or Ctrl-C).`;

export async function instanceLogsCommand(ctx: CliContext, args: string[]): Promise<number> {
  const { values, positionals } = parseLeadingFlags('instance logs', args, {
    follow: { type: 'boolean', short: 'f' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) return ctx.out(instanceLogsHelp), 0;
  if (positionals.length !== 1) throw usageError('instance logs', 'expected one instance NAME', 'berth instance logs web');
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  process.once('SIGINT', stop);
  try {
    for await (const piece of await (await ctx.instances()).logs(positionals[0]!, { follow: values.follow, signal: controller.signal })) {
      (piece.stream === 'out' ? process.stdout : process.stderr).write(piece.data);
    }
  } finally {
    process.off('SIGINT', stop);
  }
  return 0;
}
