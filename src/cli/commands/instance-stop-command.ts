import type { CliContext } from '../cli-context.ts';
import { seconds } from '../instance-start-flags.ts';
import { parseLeadingFlags } from '../leading-flags.ts';
import { usageError } from '../parse-flags.ts';

export const instanceStopHelp = `Usage: berth instance stop [-u USER] [-a|--all] [-F|--force] [-s|--signal SIG] [-t|--timeout SECONDS] [PATTERN]

Stops your instances whose name matches PATTERN (a glob, or an exact name), all at once: sends the
signal (default SIGINT, as Apptainer), then SIGKILL when the instance still runs after the timeout.
No match is an error (exit 1).

Options:
  -a, --all              stop all your instances (same as PATTERN "*")
  -F, --force            send SIGKILL at once (overrides --signal)
  -s, --signal SIG       a signal name or number: INT, SIGTERM, 15 …
  -t, --timeout SECONDS  grace period before SIGKILL (default 10)
  -u, --user USER        only user USER's instances (root only; root otherwise stops matches of every user)`;

export async function instanceStopCommand(ctx: CliContext, args: string[]): Promise<number> {
  const { values, positionals } = parseLeadingFlags('instance stop', args, {
    all: { type: 'boolean', short: 'a' },
    force: { type: 'boolean', short: 'F' },
    signal: { type: 'string', short: 's' },
    timeout: { type: 'string', short: 't' },
    user: { type: 'string', short: 'u' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) return ctx.out(instanceStopHelp), 0;
  if (positionals.length > 1) throw usageError('instance stop', 'expected one PATTERN (stop takes one name or glob)', 'quote globs: berth instance stop "web*"');
  if (!values.all && positionals.length === 0) throw usageError('instance stop', 'invalid command: give a PATTERN or --all', 'berth instance stop web, or berth instance stop --all');
  const graceMs = seconds('instance stop', '--timeout', values.timeout, 10) * 1000;
  const pattern = values.all ? '*' : positionals[0]!;
  await (await ctx.instances()).stop(pattern, { signal: values.force ? 'SIGKILL' : values.signal ?? 'SIGINT', graceMs: values.force ? 0 : graceMs, owner: values.user }, (e) => {
    if (e.type === 'stopping') ctx.err(`INFO:    Stopping ${e.name} instance of ${e.image} (PID=${e.pid})`);
    else ctx.err(`INFO:    Killing ${e.name} instance of ${e.image} (PID=${e.pid}) (Timeout)`);
  });
  return 0;
}
