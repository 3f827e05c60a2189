import type { CliContext } from '../cli-context.ts';
import { usageError } from '../parse-flags.ts';

export const instanceHelp = `Usage: berth instance COMMAND [options]

Named background instances, with Apptainer's command line (flags come before arguments):
  start [options] IMAGE NAME [ARGS...]   start an instance; returns once it runs (--pid-file for systemd)
  run   [options] IMAGE NAME [ARGS...]   start an instance running the image's default command
  list  [-j|--json] [-l|--logs] [PATTERN]
  stop  [-a|--all] [-F|--force] [-s SIG] [-t SECONDS] [PATTERN]
  stats [-j|--json] [--no-stream] NAME
  logs  [-f] NAME                        print (or follow) an instance's stdout and stderr

Inside an instance:  berth exec instance://NAME CMD [ARGS...]   berth shell instance://NAME
                     berth run instance://NAME [ARGS...]
On the process runtime IMAGE is "host" and ARGS is the command:
  berth instance start --port 8000 --restart on-failure host web python3 -m http.server 8000
Beyond Apptainer: --restart no|on-failure|always, --health-cmd/--health-port, instance logs.
Patterns are globs (*, ? and [...]); a name without wildcards matches exactly.
Each subcommand takes --help.`;

const SUBCOMMANDS: Record<string, (ctx: CliContext, args: string[]) => Promise<number>> = {
  start: async (ctx, args) => (await import('./instance-start-command.ts')).instanceStartCommand(ctx, args, 'start'),
  run: async (ctx, args) => (await import('./instance-start-command.ts')).instanceStartCommand(ctx, args, 'run'),
  list: async (ctx, args) => (await import('./instance-list-command.ts')).instanceListCommand(ctx, args),
  stop: async (ctx, args) => (await import('./instance-stop-command.ts')).instanceStopCommand(ctx, args),
  stats: async (ctx, args) => (await import('./instance-stats-command.ts')).instanceStatsCommand(ctx, args),
  logs: async (ctx, args) => (await import('./instance-logs-command.ts')).instanceLogsCommand(ctx, args),
};

export async function instanceCommand(ctx: CliContext, args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') return ctx.out(instanceHelp), sub === undefined ? 2 : 0;
  const run = SUBCOMMANDS[sub];
  if (!run) throw usageError('instance', `unknown subcommand "${sub}"`, `use one of: ${Object.keys(SUBCOMMANDS).join(', ')}`);
  return run(ctx, rest);
}
