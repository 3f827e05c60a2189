import type { CliContext } from '../cli-context.ts';
import { table } from '../format.ts';
import { instanceInfo } from '../../instances/instance-view.ts';
import { parseLeadingFlags } from '../leading-flags.ts';
import { usageError } from '../parse-flags.ts';

export const instanceListHelp = `Usage: berth instance list [-u USER] [-j|--json] [-l|--logs] [PATTERN]

Lists your running instances (every user's when you are root). PATTERN is a glob (*, ?, [...]);
without wildcards it must match a name exactly. No match is not an error.

Columns: INSTANCE NAME, PID (the instance's supervisor, as in its --pid-file), IP, IMAGE and STATUS
(running, restarting, stopping; "healthy"/"unhealthy" with a health check; the restart count).

Options:
  -j, --json   {"instances":[{"instance","pid","img","ip","logErrPath","logOutPath"}]}
  -l, --logs   show the paths of each instance's stderr and stdout logs
  -a, --all    accepted for Apptainer compatibility (every instance you may see is listed)
  -u, --user U only user U's instances (root only)`;

export async function instanceListCommand(ctx: CliContext, args: string[]): Promise<number> {
  const { values, positionals } = parseLeadingFlags('instance list', args, {
    json: { type: 'boolean', short: 'j' },
    logs: { type: 'boolean', short: 'l' },
    all: { type: 'boolean', short: 'a' },
    user: { type: 'string', short: 'u' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) return ctx.out(instanceListHelp), 0;
  if (values.json && values.logs) throw usageError('instance list', 'more than one flags have been set (--json and --logs)', 'use one of them');
  if (positionals.length > 1) throw usageError('instance list', 'expected at most one PATTERN', 'quote globs: berth instance list "web*"');
  const views = await (await ctx.instances()).list(positionals[0] ?? '*', { owner: values.user });
  if (values.json) {
    ctx.out(JSON.stringify({ instances: views.map(instanceInfo) }, null, '\t'));
  } else if (values.logs) {
    const rows = views.flatMap((v) => [[v.instance, String(v.pid), v.logErrPath], ['', '', v.logOutPath]]);
    ctx.out(table(['INSTANCE NAME', 'PID', 'LOGS'], rows));
  } else {
    const status = (v: (typeof views)[number]) =>
      [v.status, v.health === 'none' ? '' : `(${v.health})`, v.restarts > 0 ? `restarts=${v.restarts}` : ''].filter(Boolean).join(' ');
    ctx.out(table(['INSTANCE NAME', 'PID', 'IP', 'IMAGE', 'STATUS'], views.map((v) => [v.instance, String(v.pid), v.ip, v.img, status(v)])));
  }
  return 0;
}
