import type { JsonValue } from '../../core/pipeline-types.ts';
import type { JobView } from '../../jobs/job-view.ts';
import type { BatchResult } from '../../jobs/job-service.ts';
import type { CliContext } from '../cli-context.ts';
import { paint, statusColor, table } from '../format.ts';
import { parseFlags, usageError } from '../parse-flags.ts';
import { parseEnv, parseParams } from './run-command.ts';

export const jobHelp = `Usage: berth job create PIPELINE_FILE --name NAME [schedule] [options]
       berth job list [--status S] [--json]
       berth job show JOB [--json]
       berth job pause|resume|cancel|rm JOB [--json]
       berth job trigger JOB [--json]

A job runs a pipeline on a snapshot of its project (taken at creation, .gitignore respected), once
per combination of a parameter grid, now, once at a time, or on a cron schedule. JOB is a job's
name, uuid or uuid prefix. Scheduled batches are started by \`berth scheduler\` or \`berth server\`.
With BERTH_ENDPOINT the commands go to that server and its runs execute there (\`job list\` then
needs an admin token).

Schedule (default: run now, in this process, and wait):
  --cron EXPR        cron schedule (5 or 6 fields), e.g. "0 3 * * *"; --tz ZONE (IANA, default UTC)
  --at TIME          one-off at an ISO-8601 time
  --draft            create as DRAFT; \`berth job resume\` confirms it
Options:
  --param K=[V,..]   candidate values of a pipeline parameter (repeatable); STEP:K=[..] for a step
                     (STEP = uuid or title). A value that is not a JSON list is one value. The
                     pipeline's <name>.parameters.json (or its current values) fills the rest.
                     Berth runs the Cartesian product.
  --exclude I,J      leave out these combinations (indexes as \`berth job show\` lists them)
  --env K=V          an environment variable for every run (repeatable)
  --max-retained N   keep the newest N ended runs (older ones are deleted); -1 keeps all (default)
  --no-wait          with no schedule: leave the batch to the scheduler instead of running it here
  --dry-run          print the parameter combinations (with their indexes) and create nothing
  --json             print JSON

pause / resume: stop / restart a cron job's ticks (resume also confirms a draft).
trigger: run one batch now in this process and wait. cancel: no more batches; active runs are
aborted. rm: cancel and delete the job, its runs, snapshot and working copies.
Missed ticks: when no scheduler ran through several ticks, the next scheduler runs ONE catch-up
batch and logs how many ticks it stands for.`;

export async function jobCommand(ctx: CliContext, args: string[]): Promise<number> {
  const { values, positionals } = parseFlags('job', args, {
    name: { type: 'string' },
    cron: { type: 'string' },
    tz: { type: 'string' },
    at: { type: 'string' },
    draft: { type: 'boolean' },
    param: { type: 'string', multiple: true },
    exclude: { type: 'string' },
    env: { type: 'string', multiple: true },
    'max-retained': { type: 'string' },
    'no-wait': { type: 'boolean' },
    'dry-run': { type: 'boolean' },
    status: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  const [sub, ...rest] = positionals;
  if (values.help || sub === undefined) return ctx.out(jobHelp), sub === undefined && !values.help ? 2 : 0;
  const json = values.json ?? false;
  const jobs = await (await ctx.backend()).jobs();
  const one = (what: string) => {
    if (rest.length !== 1) throw usageError(`job ${sub}`, `expected one ${what}`, `berth job ${sub} nightly`);
    return rest[0]!;
  };
  switch (sub) {
    case 'create': {
      const pipelinePath = one('PIPELINE_FILE');
      if (!values.name) throw usageError('job create', '--name is required', 'e.g. --name nightly');
      const parsed = parseParams(values.param ?? []);
      const parameters: Record<string, Record<string, JsonValue[]>> = {};
      if (Object.keys(parsed.pipeline).length > 0) parameters.pipeline_parameters = lists(parsed.pipeline);
      for (const [step, params] of Object.entries(parsed.steps)) parameters[step] = lists(params);
      const maxRetained = values['max-retained'] === undefined ? undefined : Number(values['max-retained']);
      const exclude = values.exclude?.split(',').filter(Boolean).map(Number);
      const input = {
        name: values.name,
        pipeline_path: pipelinePath,
        cron: values.cron,
        timezone: values.tz,
        scheduled_start: values.at,
        parameters,
        exclude,
        env_variables: parseEnv(values.env ?? [], 'job'),
        max_retained_pipeline_runs: maxRetained,
        draft: values.draft,
      };
      if (values['dry-run']) {
        const combos = await jobs.preview(input);
        if (json) return ctx.out(JSON.stringify({ parameters: combos })), 0;
        ctx.out(table(['#', 'PARAMETERS'], combos.map((p, i) => [String(i), JSON.stringify(p)])));
        return 0;
      }
      const job = await jobs.create(input);
      const runNow = !job.schedule && !job.scheduled_start && job.status === 'PENDING' && !values['no-wait'];
      if (!json) ctx.out(`Job ${job.uuid} "${job.name}" created: ${describe(job)}`);
      if (!runNow) return json && ctx.out(JSON.stringify({ job })), 0;
      const batch = await jobs.runNow(job);
      return printBatch(ctx, batch, json, (await jobs.show(job.uuid)).job);
    }
    case 'list': {
      if (rest.length > 0) throw usageError('job list', `unknown argument "${rest[0]}"`, 'berth job list [--json]');
      const list = await jobs.list({ status: values.status?.toUpperCase() });
      if (json) return ctx.out(JSON.stringify({ jobs: list })), 0;
      if (list.length === 0) return ctx.out('No jobs. Create one with: berth job create PIPELINE_FILE --name NAME'), 0;
      const color = paint(ctx.config.color && process.stdout.isTTY === true);
      ctx.out(table(
        ['JOB', 'NAME', 'STATUS', 'SCHEDULE', 'NEXT', 'RUNS/BATCH', 'BATCHES'],
        list.map((j) => [j.uuid.slice(0, 8), j.name, color(statusColor(j.status), j.status), j.schedule ? `${j.schedule} (${j.timezone})` : j.scheduled_start ? 'once' : 'now', j.next_scheduled_time?.slice(0, 19).replace('T', ' ') ?? '-', String(j.parameters.length), String(j.total_scheduled_executions)]),
      ));
      return 0;
    }
    case 'show': {
      const { job, runs } = await jobs.show(one('JOB'));
      if (json) return ctx.out(JSON.stringify({ job, runs })), 0;
      ctx.out(`Job ${job.uuid} "${job.name}"  ${job.status}  ${describe(job)}`);
      ctx.out(`Pipeline "${job.pipeline.name}" ${job.pipeline.path}  snapshot ${job.snapshot_dir}`);
      ctx.out(`Batches ${job.total_scheduled_executions}, runs ${job.total_scheduled_pipeline_runs}, last ${job.last_scheduled_time ?? '-'}, keep ${job.max_retained_pipeline_runs < 0 ? 'all' : job.max_retained_pipeline_runs} runs`);
      ctx.out('\nParameter combinations (one run each per batch):');
      ctx.out(table(['#', 'PARAMETERS'], job.parameters.map((p, i) => [String(i), JSON.stringify(p)])));
      if (runs.length > 0) {
        ctx.out('\nRuns:');
        ctx.out(table(['RUN', 'BATCH', '#', 'STATUS', 'CREATED'], runs.map((r) => [r.uuid.slice(0, 8), String(r.job_run_index), String(r.job_run_pipeline_run_index), r.status, r.created_at.replace('T', ' ').slice(0, 19)])));
      }
      return 0;
    }
    case 'pause':
    case 'resume':
    case 'cancel':
    case 'rm': {
      const ref = one('JOB');
      const job = sub === 'pause' ? await jobs.pause(ref) : sub === 'resume' ? await jobs.resume(ref) : sub === 'cancel' ? await jobs.cancel(ref) : await jobs.remove(ref);
      if (json) return ctx.out(JSON.stringify({ job })), 0;
      ctx.out(sub === 'rm' ? `Job ${job.uuid} "${job.name}" deleted` : `Job ${job.uuid} "${job.name}" ${job.status}${job.next_scheduled_time ? `, next ${job.next_scheduled_time}` : ''}`);
      return 0;
    }
    case 'trigger': {
      const batch = await jobs.trigger(one('JOB'));
      return printBatch(ctx, batch, json, (await jobs.show(batch.job)).job);
    }
    default:
      throw usageError('job', `unknown subcommand "${sub}"`, 'use create, list, show, pause, resume, trigger, cancel or rm');
  }
}

function lists(params: Record<string, JsonValue>): Record<string, JsonValue[]> {
  return Object.fromEntries(Object.entries(params).map(([k, v]) => [k, Array.isArray(v) ? v : [v]]));
}

function describe(job: JobView): string {
  const when = job.schedule ? `cron "${job.schedule}" (${job.timezone})` : job.scheduled_start ? `once at ${job.scheduled_start}` : 'now';
  return `${when}, ${job.parameters.length} run(s) per batch${job.next_scheduled_time ? `, next ${job.next_scheduled_time}` : ''}`;
}

function printBatch(ctx: CliContext, batch: BatchResult, json: boolean, job: JobView): number {
  const ok = batch.runs.every((r) => r.status === 'SUCCESS');
  if (json) return ctx.out(JSON.stringify({ job, batch })), ok ? 0 : 1;
  ctx.out(`Batch ${batch.job_run_index} of job "${job.name}":`);
  ctx.out(table(['RUN', 'STATUS', 'PARAMETERS'], batch.runs.map((r) => [r.uuid.slice(0, 8), r.status, JSON.stringify(r.parameters)])));
  return ok ? 0 : 1;
}
