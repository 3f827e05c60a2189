import { envFlags } from '../env-flags.ts';
import { RUNTIMES, type RuntimeName } from '../../config/config.ts';
import type { JsonObject, JsonValue } from '../../core/pipeline-types.ts';
import type { RunEvent } from '../../runs/run-events.ts';
import type { CliContext } from '../cli-context.ts';
import { duration, paint, statusColor } from '../format.ts';
import { failedStepTail } from '../failed-step-tail.ts';
import { parseFlags, usageError } from '../parse-flags.ts';
import { stepOutputFollower } from '../step-output-follower.ts';

export const runHelp = `Usage: berth run PIPELINE_FILE [options]

Runs an Orchest pipeline file and waits for it to end: on local processes, or with --runtime docker
each step in its own container from its environment's image (BERTH_RUNTIME sets the default).

Options:
  --steps A,B        run only these steps (uuids or titles): a selection run
  --incoming         with --steps: run their ancestors, not the steps themselves
  --fail-fast        abort everything still pending or running at the first failure
  --param K=V        override a pipeline parameter (repeatable); STEP:K=V overrides a step's
                     parameter (STEP = uuid or title); V is parsed as JSON when it can be
  --step-param STEP.K=V  override a step's parameter (repeatable; STEP = uuid or title, split
                     at the last "." before "="); V is parsed as JSON when it can be
  --env K=V          set an environment variable for every step (repeatable)
  --runtime NAME     process (default), docker or kubernetes
  --dry-run          with --runtime kubernetes: print every object the steps would create, as YAML,
                     and run nothing (no cluster needed)
  --python PATH      process runtime: the python3 of Python steps without an environment, and the
                     base of environments' virtual environments (default BERTH_PYTHON, else the
                     first python3 on PATH)
  --job              a non-interactive (job) run: not queued behind other runs, its own outputs, and
                     the services whose scope includes "noninteractive" run for its lifetime only
  -f, --follow       stream every step's output, each line prefixed by the step's title
  --json             print one JSON object with the run and its steps
Progress (a line per step started and ended, with durations) goes to stderr; when a step fails,
the last lines of its log and the \`berth logs\` command for the rest follow the summary.
Exit status: 0 the run succeeded, 1 it failed or was aborted, 2 invalid input.
(berth run instance://NAME [ARGS...] runs an instance's command inside it: see berth run --help instance://x.)`;

export async function runCommand(ctx: CliContext, args: string[]): Promise<number> {
  if (args.find((a) => !a.startsWith('-'))?.startsWith('instance://')) return (await import('./instance-run-uri.ts')).instanceRunCommand(ctx, args);
  const { values, positionals } = parseFlags('run', args, {
    steps: { type: 'string' },
    incoming: { type: 'boolean' },
    'fail-fast': { type: 'boolean' },
    param: { type: 'string', multiple: true },
    'step-param': { type: 'string', multiple: true },
    env: { type: 'string', multiple: true },
    job: { type: 'boolean' },
    runtime: { type: 'string' },
    'dry-run': { type: 'boolean' },
    python: { type: 'string' },
    json: { type: 'boolean' },
    follow: { type: 'boolean', short: 'f' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) return ctx.out(runHelp), 0;
  if (values.follow && values.json) throw usageError('run', '--follow and --json both print on stdout', 'use one: --follow for the steps\' output, --json for the report');
  if (positionals.length !== 1) throw usageError('run', 'expected exactly one PIPELINE_FILE', 'berth run path/to/pipeline.orchest');
  if (values.runtime !== undefined && !(RUNTIMES as readonly string[]).includes(values.runtime)) {
    throw usageError('run', `--runtime ${values.runtime} is not a runtime this build has`, `use one of: ${RUNTIMES.join(', ')}`);
  }
  const steps = values.steps?.split(',').map((s) => s.trim()).filter(Boolean) ?? [];
  if (values.incoming && steps.length === 0) throw usageError('run', '--incoming needs --steps', 'e.g. --steps "Train model" --incoming');
  const params = parseParams(values.param ?? []);
  addStepParams(params.steps, values['step-param'] ?? []);
  const env = parseEnv(values.env ?? []);
  if (values['dry-run']) {
    if ((values.runtime ?? ctx.config.runtime) !== 'kubernetes') throw usageError('run', '--dry-run prints the Kubernetes objects of a run', 'add --runtime kubernetes (or set BERTH_RUNTIME=kubernetes)');
    return (await import('./kube-dry-run.ts')).kubeDryRun(ctx, positionals[0]!, env, values.job ?? false);
  }

  const backend = await ctx.backend();
  const controller = new AbortController();
  const color = paint(ctx.config.color && !values.json && process.stdout.isTTY === true);
  const onSignal = () => {
    if (!controller.signal.aborted) ctx.err(`\nCancelling: stopping running steps (grace ${ctx.config.stopGraceMs / 1000}s)…`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const progress = progressPrinter(ctx, color);
  const follower = values.follow ? stepOutputFollower(backend, ctx.out, ctx.err, color) : null;
  try {
    const report = await backend.runPipeline({
      pipelinePath: positionals[0]!,
      runType: values.incoming ? 'incoming' : undefined,
      steps,
      failFast: values['fail-fast'] ?? false,
      params,
      env,
      runtime: values.runtime as RuntimeName | undefined,
      python: values.python,
      kind: values.job ? 'job' : undefined,
      signal: controller.signal,
      // With --json, stdout carries only the report; stderr still says when the run has to wait.
      observe: values.json ? (e) => e.type === 'run-queued' && progress(e) : (e) => (progress(e), follower?.observe(e)),
    });
    await follower?.done();
    if (values.json) {
      ctx.out(JSON.stringify(report));
    } else {
      const counts = new Map<string, number>();
      for (const s of report.steps) counts.set(s.status, (counts.get(s.status) ?? 0) + 1);
      const words: Record<string, string> = { SUCCESS: 'succeeded', FAILURE: 'failed', ABORTED: 'aborted', PENDING: 'pending', STARTED: 'running' };
      const summary = [...counts].map(([s, n]) => `${n} ${words[s] ?? s}`).join(', ') || 'no steps';
      ctx.out(`${color('bold', `Run ${report.run.uuid}`)} ${color(statusColor(report.run.status), report.run.status)}: ${summary} in ${duration(report.run.started_at, report.run.finished_at)}`);
      const short = report.run.uuid.slice(0, 8);
      for (const step of report.steps.filter((s) => s.status === 'FAILURE')) {
        const tail = await failedStepTail(backend, report.run.uuid, step.uuid, FAILED_TAIL_LINES).catch(() => []);
        ctx.out(`${color('red', '✘')} ${step.title} ${step.reason ?? 'failed'}. ${tail.length > 0 ? `The last ${tail.length === 1 ? 'line' : `${tail.length} lines`} of its log:` : 'Its log is empty.'}`);
        for (const line of tail) ctx.out(`  ${color('gray', '│')} ${line}`);
        ctx.out(`  All of it: berth logs ${short} ${shellWord(step.title)}`);
      }
      const logDir = report.steps[0]?.log_path.replace(/[^/]+$/, '');
      if (logDir) ctx.out(`Logs: ${logDir}  (berth logs ${short} STEP)`);
    }
    return report.run.status === 'SUCCESS' ? 0 : 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** How many lines of a failed step's log `berth run` shows. */
const FAILED_TAIL_LINES = 15;

/** A word the shell reads back as `text` (quoted when it must be). */
function shellWord(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", "'\\''")}'`;
}

function progressPrinter(ctx: CliContext, color: ReturnType<typeof paint>) {
  const started = new Map<string, number>();
  return (e: RunEvent) => {
    switch (e.type) {
      case 'run-queued':
        ctx.err(`Queued: waiting for run ${e.waitingFor.slice(0, 8)} of this pipeline to end…`);
        break;
      case 'run-started':
        ctx.err(`Run ${e.runUuid} started (${e.steps} step${e.steps === 1 ? '' : 's'})`);
        break;
      case 'step-started':
        started.set(e.stepUuid, Date.now());
        ctx.err(`  ${color('cyan', '▶')} ${e.title}`);
        break;
      case 'step-finished': {
        const t0 = started.get(e.stepUuid);
        const took = t0 === undefined ? '' : ` ${color('gray', `${((Date.now() - t0) / 1000).toFixed(2)}s`)}`;
        const mark = e.status === 'SUCCESS' ? color('green', '✔') : e.status === 'FAILURE' ? color('red', '✘') : color('yellow', '⊘');
        const why = e.status === 'SUCCESS' ? '' : ` ${color(statusColor(e.status), e.status)}${e.reason ? `: ${e.reason}` : ''}`;
        ctx.err(`  ${mark} ${e.title}${took}${why}`);
        break;
      }
      case 'session-progress':
        ctx.err(`  ${color('gray', `session │ ${e.line}`)}`);
        break;
      case 'step-progress':
        ctx.err(`    ${color('gray', `${e.title} │ ${e.line}`)}`);
        break;
      case 'run-cancelling':
        ctx.err(`Stopping: ${e.reason}`);
        break;
      case 'run-finished':
        break;
    }
  };
}

/** `K=V` → pipeline parameter; `STEP:K=V` → step parameter. Values are JSON when they parse. */
export function parseParams(items: string[]): { pipeline: JsonObject; steps: Record<string, JsonObject> } {
  const out = { pipeline: {} as JsonObject, steps: {} as Record<string, JsonObject> };
  for (const item of items) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw usageError('run', `--param "${item}" is not KEY=VALUE`, 'write --param key=value or --param "Step title:key=value"');
    const lhs = item.slice(0, eq);
    const value = parseValue(item.slice(eq + 1));
    const colon = lhs.lastIndexOf(':');
    if (colon > 0) (out.steps[lhs.slice(0, colon)] ??= {})[lhs.slice(colon + 1)] = value;
    else out.pipeline[lhs] = value;
  }
  return out;
}

/** `--step-param STEP.KEY=VALUE` (STEP may contain dots: the key is after the last one). */
export function addStepParams(steps: Record<string, JsonObject>, items: string[]): void {
  for (const item of items) {
    const eq = item.indexOf('=');
    const dot = eq > 0 ? item.lastIndexOf('.', eq) : -1;
    if (dot <= 0 || dot >= eq - 1) {
      throw usageError('run', `--step-param "${item}" is not STEP.KEY=VALUE`, 'write --step-param "Step title.key=value" (STEP is a step title or uuid)');
    }
    (steps[item.slice(0, dot)] ??= {})[item.slice(dot + 1, eq)] = parseValue(item.slice(eq + 1));
  }
}

function parseValue(raw: string): JsonValue {
  try {
    return JSON.parse(raw) as JsonValue;
  } catch {
    return raw;
  }
}

export function parseEnv(items: string[], command = 'run'): Record<string, string> {
  return envFlags(command, items);
}
