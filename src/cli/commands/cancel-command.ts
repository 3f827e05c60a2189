import type { CliContext } from '../cli-context.ts';
import { parseFlags, usageError } from '../parse-flags.ts';

export const cancelHelp = `Usage: berth cancel RUN [--json]

Cancels a pending or running run: running steps get SIGTERM, then SIGKILL after the grace period
(BERTH_STOP_GRACE_SECONDS, default 10); they and every step not yet ended become ABORTED.
Cancelling a run that already ended changes nothing.`;

export async function cancelCommand(ctx: CliContext, args: string[]): Promise<number> {
  const { values, positionals } = parseFlags('cancel', args, { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } });
  if (values.help) return ctx.out(cancelHelp), 0;
  if (positionals.length !== 1) throw usageError('cancel', 'expected one RUN', 'berth cancel 1a2b3c4d');
  const backend = await ctx.backend();
  const before = (await backend.report(positionals[0]!)).run.status;
  const report = await backend.cancelRun(positionals[0]!);
  if (values.json) return ctx.out(JSON.stringify(report)), 0;
  if (before === 'PENDING' || before === 'STARTED') ctx.out(`Run ${report.run.uuid} cancelled (${report.run.status}).`);
  else ctx.out(`Run ${report.run.uuid} had already ended (${report.run.status}); nothing to cancel.`);
  return 0;
}
