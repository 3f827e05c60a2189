import { EVENT_TYPES } from '../../events/event-types.ts';
import type { StoredEvent } from '../../events/event-feed.ts';
import type { CliContext } from '../cli-context.ts';
import { table } from '../format.ts';
import { parseFlags, usageError } from '../parse-flags.ts';

export const eventsHelp = `Usage: berth events [--type TYPE] [--project UUID] [--limit N] [--before ID] [--json]
       berth events -f [--type TYPE] [--project UUID] [--json]
       berth events types [--json]

Lists recorded events, newest first (--before ID pages back), or follows new ones (-f, one per
line with --json). TYPE is a type name or a prefix ending in ":" (e.g. project:cron-job:). With BERTH_ENDPOINT the
server's events are shown (an admin token is needed; -f follows its live stream).`;

export async function eventsCommand(ctx: CliContext, args: string[]): Promise<number> {
  const { values, positionals } = parseFlags('events', args, {
    type: { type: 'string' },
    project: { type: 'string' },
    limit: { type: 'string' },
    before: { type: 'string' },
    follow: { type: 'boolean', short: 'f' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) return ctx.out(eventsHelp), 0;
  if (positionals[0] === 'types') {
    return values.json ? ctx.out(JSON.stringify({ event_types: EVENT_TYPES })) : ctx.out(EVENT_TYPES.join('\n')), 0;
  }
  if (positionals.length > 0) throw usageError('events', `unknown argument "${positionals[0]}"`, 'berth events [--json] or berth events types');
  const limit = values.limit === undefined ? 50 : Number(values.limit);
  const before = values.before === undefined ? undefined : Number(values.before);
  if (!Number.isInteger(limit) || limit < 1) throw usageError('events', `--limit ${values.limit} is not a positive integer`, 'e.g. --limit 20');
  if (before !== undefined && !Number.isInteger(before)) throw usageError('events', `--before ${values.before} is not an event id`, 'use next_cursor from the previous page');
  const feed = await (await ctx.backend()).events();
  const filter = { type: values.type, projectUuid: values.project };
  const line = (e: StoredEvent) => (values.json ? JSON.stringify(e) : `${e.id}  ${e.timestamp}  ${e.type}  ${subjectOf(e)}`);
  if (values.follow) {
    const controller = new AbortController();
    const stop = () => controller.abort();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    try {
      for await (const e of feed.follow(filter, controller.signal)) ctx.out(line(e));
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    }
    return 0;
  }
  const page = await feed.list({ ...filter, limit, before });
  if (values.json) return ctx.out(JSON.stringify(page)), 0;
  if (page.events.length === 0) return ctx.out('No events.'), 0;
  ctx.out(table(['ID', 'TIME', 'TYPE', 'SUBJECT'], page.events.map((e) => [String(e.id), e.timestamp.replace('T', ' ').slice(0, 19), e.type, subjectOf(e)])));
  if (page.next_cursor !== null) ctx.out(`(older: --before ${page.next_cursor})`);
  return 0;
}

function subjectOf(e: StoredEvent): string {
  const p = e.project;
  const run = p.pipeline?.session?.pipeline_run ?? p.job?.pipeline_run;
  const kernel = p.pipeline?.session?.kernel;
  const session = p.pipeline?.session && !run ? `session ${p.pipeline.session.status ?? ''}${kernel ? ` / kernel ${kernel.environment ? `"${kernel.environment.name}"` : kernel.name} ${kernel.id.slice(0, 8)}` : ''}` : '';
  const env = !p.environment ? '' : 'image_build' in p.environment ? `environment "${p.environment.name}" build ${p.environment.image_build.status}` : `environment "${p.environment.name}" shell ${p.environment.shell.id.slice(0, 8)}`;
  const parts = [p.name, p.job ? `job "${p.job.name}"` : p.pipeline ? `pipeline "${p.pipeline.name}"` : '', run ? `run ${run.uuid.slice(0, 8)} ${run.status}` : session, env, p.service ? `service "${p.service.name}"` : ''];
  return parts.filter(Boolean).join(' / ');
}
