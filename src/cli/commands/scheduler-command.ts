import { JobScheduler } from '../../jobs/job-scheduler.ts';
import type { CliContext } from '../cli-context.ts';
import { parseFlags, usageError } from '../parse-flags.ts';

export const schedulerHelp = `Usage: berth scheduler [--once] [--no-jobs] [--no-webhooks]

Runs Berth's background loops in the foreground until Ctrl-C (\`berth server\` runs them too):
the job scheduler (starts due cron / one-off batches every BERTH_SCHEDULER_POLL_SECONDS) and the
webhook dispatcher (sends the outbox). Several schedulers on one store are safe.

  --once          start what is due, wait for it, send every due delivery, then exit
  --no-jobs       only send webhooks
  --no-webhooks   only schedule jobs
On Ctrl-C, runs started by this scheduler are cancelled; deliveries in flight finish first.`;

export async function schedulerCommand(ctx: CliContext, args: string[]): Promise<number> {
  const { values, positionals } = parseFlags('scheduler', args, {
    once: { type: 'boolean' },
    'no-jobs': { type: 'boolean' },
    'no-webhooks': { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) return ctx.out(schedulerHelp), 0;
  if (positionals.length > 0) throw usageError('scheduler', `unknown argument "${positionals[0]}"`, 'berth scheduler [--once]');
  const engine = await ctx.engine();
  const log = (line: string) => ctx.err(`${new Date().toISOString()} ${line}`);
  // Running beside servers on a PostgreSQL store: a lease like theirs, and it schedules only while it
  // leads (--once ticks when told to).
  const duties = values.once ? null : await engine.shareStore(log);
  const scheduler = values['no-jobs'] ? null : new JobScheduler(engine.jobs, { pollMs: ctx.config.schedulerPollMs, log, leads: duties?.leadsScheduler });
  const dispatcher = values['no-webhooks'] ? null : engine.outbox.dispatcher({ log });
  if (values.once) {
    await scheduler?.tick();
    await scheduler?.idle();
    // One attempt per delivery due now: a failure rescheduled during this pass waits for the next.
    const dueBy = new Date();
    while (dispatcher && (await dispatcher.drainOnce(dueBy)) > 0);
    return 0;
  }
  const off = engine.outbox.recorder.onRecorded(() => dispatcher?.nudge());
  scheduler?.start();
  dispatcher?.start();
  log(`scheduler running (pid ${process.pid}): ${[scheduler && 'jobs', dispatcher && 'webhooks'].filter(Boolean).join(' + ')}`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  log('stopping…');
  off();
  await scheduler?.stop({ abortRuns: true });
  await dispatcher?.stop();
  await duties?.stop();
  return 0;
}
