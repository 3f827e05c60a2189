import { STATUSES, type Status } from '../../core/statuses.ts';
import type { CliContext } from '../cli-context.ts';
import { duration, paint, shortIds, statusColor, table } from '../format.ts';
import { parseFlags, usageError } from '../parse-flags.ts';

export const runsHelp = `Usage: berth runs [--json] [--limit N] [--status STATUS]
       berth runs show RUN [--json]

Lists recent runs (newest first), or shows one run with its steps. RUN is a run id or its first characters.`;

export async function runsCommand(ctx: CliContext, args: string[]): Promise<number> {
  const { values, positionals } = parseFlags('runs', args, {
    json: { type: 'boolean' },
    limit: { type: 'string' },
    status: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) return ctx.out(runsHelp), 0;
  if (positionals[0] === 'show') {
    if (positionals.length !== 2) throw usageError('runs show', 'expected one RUN', 'berth runs show 1a2b3c4d');
    return showRun(ctx, positionals[1]!, values.json ?? false);
  }
  if (positionals.length > 0) throw usageError('runs', `unknown argument "${positionals[0]}"`, 'berth runs [--json] or berth runs show RUN');
  const limit = values.limit === undefined ? 50 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1) throw usageError('runs', `--limit ${values.limit} is not a positive integer`, 'e.g. --limit 20');
  const status = values.status?.toUpperCase();
  if (status !== undefined && !(STATUSES as readonly string[]).includes(status)) {
    throw usageError('runs', `--status ${values.status} is not a status`, `use one of ${STATUSES.join(', ')}`);
  }
  const runs = await (await ctx.backend()).listRuns({ limit, status: status as Status | undefined });
  if (values.json) return ctx.out(JSON.stringify({ runs })), 0;
  if (runs.length === 0) return ctx.out('No runs yet. Start one with: berth run PIPELINE_FILE'), 0;
  const color = paint(ctx.config.color && process.stdout.isTTY === true);
  ctx.out(table(
    ['RUN', 'PIPELINE', 'TYPE', 'STATUS', 'CREATED', 'DURATION'],
    runs.map((r) => [r.uuid.slice(0, 8), r.pipeline.name, r.run_type, color(statusColor(r.status), r.status), r.created_at.replace('T', ' ').slice(0, 19), duration(r.started_at, r.finished_at)]),
  ));
  return 0;
}

async function showRun(ctx: CliContext, ref: string, json: boolean): Promise<number> {
  const report = await (await ctx.backend()).report(ref);
  if (json) return ctx.out(JSON.stringify(report)), 0;
  const color = paint(ctx.config.color && process.stdout.isTTY === true);
  const r = report.run;
  ctx.out(`Run ${r.uuid}  ${color(statusColor(r.status), r.status)}  (${r.run_type}, pipeline "${r.pipeline.name}" ${r.pipeline.path})`);
  ctx.out(`Created ${r.created_at}  started ${r.started_at ?? '-'}  finished ${r.finished_at ?? '-'}${r.reason ? `\nReason: ${r.reason}` : ''}`);
  const ids = shortIds(report.steps.map((s) => s.uuid));
  ctx.out(table(
    ['STEP', 'TITLE', 'STATUS', 'EXIT', 'DURATION', 'DETAIL'],
    report.steps.map((s, i) => [ids[i]!, s.title, color(statusColor(s.status), s.status), s.exit_code === null ? '-' : String(s.exit_code), duration(s.started_at, s.finished_at), s.reason ?? '']),
  ));
  return 0;
}
