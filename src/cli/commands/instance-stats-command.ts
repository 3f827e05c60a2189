import { setTimeout as sleep } from 'node:timers/promises';
import type { WorkloadStats } from '../../runtimes/driver.ts';
import type { CliContext } from '../cli-context.ts';
import { table } from '../format.ts';
import { parseLeadingFlags } from '../leading-flags.ts';
import { usageError } from '../parse-flags.ts';

export const instanceStatsHelp = `Usage: berth instance stats [-j|--json] [--no-stream] NAME

Shows an instance's resource use, refreshed every second until Ctrl-C (or the instance ends):
INSTANCE NAME, CPU USAGE / LIMIT (100% = one CPU; the --cpus limit, or -), MEM USAGE / LIMIT (the
--memory limit, or the host's memory, marked "(host)"), MEM %, BLOCK I/O, PIDS. On the process runtime
the numbers are summed over the instance's processes (no cgroup needed). --json gives cpuLimit
(CPUs or null), memoryLimitBytes and memoryLimited.

Options:
  --no-stream  print one sample and exit
  -j, --json   print one sample as JSON (implies --no-stream)`;

const SAMPLE_MS = 1000;

export async function instanceStatsCommand(ctx: CliContext, args: string[]): Promise<number> {
  const { values, positionals } = parseLeadingFlags('instance stats', args, {
    json: { type: 'boolean', short: 'j' },
    'no-stream': { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) return ctx.out(instanceStatsHelp), 0;
  if (positionals.length !== 1) throw usageError('instance stats', 'expected one instance NAME', 'berth instance stats web');
  const instances = (await ctx.instances());
  const name = positionals[0]!;
  let previous = await instances.stats(name);
  let at = Date.now();
  for (;;) {
    await sleep(values.json || values['no-stream'] ? SAMPLE_MS / 2 : SAMPLE_MS);
    const sample = await instances.stats(name);
    const now = Date.now();
    const cpuPercent = ((sample.stats.cpuSeconds - previous.stats.cpuSeconds) / ((now - at) / 1000)) * 100;
    if (values.json) {
      ctx.out(JSON.stringify({ instance: sample.instance.instance, pid: sample.instance.pid, cpuPercent: round(cpuPercent), ...sample.stats }, null, '\t'));
      return 0;
    }
    ctx.out(render(sample.instance.instance, cpuPercent, sample.stats));
    if (values['no-stream']) return 0;
    [previous, at] = [sample, now];
  }
}

function render(name: string, cpuPercent: number, s: WorkloadStats): string {
  const memPercent = s.memoryLimitBytes > 0 ? (s.memoryBytes / s.memoryLimitBytes) * 100 : 0;
  return table(
    ['INSTANCE NAME', 'CPU USAGE / LIMIT', 'MEM USAGE / LIMIT', 'MEM %', 'BLOCK I/O', 'PIDS'],
    [[name, `${cpuPercent.toFixed(2)}% / ${s.cpuLimit === null ? '-' : `${s.cpuLimit} CPU${s.cpuLimit === 1 ? '' : 's'}`}`, `${bytes(s.memoryBytes)} / ${bytes(s.memoryLimitBytes)}${s.memoryLimited ? '' : ' (host)'}`, `${memPercent.toFixed(2)}%`, `${bytes(s.blockReadBytes)} / ${bytes(s.blockWriteBytes)}`, String(s.pids)]],
  );
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) [value, unit] = [value / 1024, unit + 1];
  return `${unit === 0 ? value : value.toFixed(1)}${units[unit]}`;
}
