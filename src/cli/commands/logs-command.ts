import type { CliContext } from '../cli-context.ts';
import { parseFlags, usageError } from '../parse-flags.ts';

export const logsHelp = `Usage: berth logs RUN STEP [-f|--follow]

Prints a step's output (stdout and stderr) from a run. STEP is a step title or uuid.
With --follow, keeps printing until the step ends.`;

export async function logsCommand(ctx: CliContext, args: string[]): Promise<number> {
  const { values, positionals } = parseFlags('logs', args, {
    follow: { type: 'boolean', short: 'f' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) return ctx.out(logsHelp), 0;
  if (positionals.length !== 2) throw usageError('logs', 'expected RUN and STEP', 'berth logs 1a2b3c4d "Train model"');
  const { step, chunks } = await (await ctx.backend()).stepLog(positionals[0]!, positionals[1]!, { follow: values.follow ?? false });
  if (!chunks) {
    ctx.err(`(no output: step "${step.title}" is ${step.status}${step.reason ? ` — ${step.reason}` : ''})`);
    return 0;
  }
  for await (const chunk of chunks) {
    if (!process.stdout.write(chunk)) await new Promise((r) => process.stdout.once('drain', r));
  }
  return 0;
}
