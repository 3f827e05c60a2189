import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BerthReport } from './handoff-metrics.ts';
import { parseStepMarkers, type WrittenProject } from './project.ts';
import { spawnTimed } from './spawn-timed.ts';

export const BERTH_BIN = join(import.meta.dirname, '..', '..', 'bin', 'berth.js');

export interface ToolRun {
  wallMs: number;
  /** Step title → when its first line ran (epoch ms), from the steps' own output. */
  markers: Map<string, number>;
  /** Set when the run did not end in success; the numbers of such a run are not used. */
  failure?: string;
}

export interface BerthRun extends ToolRun {
  report?: BerthReport;
}

/** `make -j<P>` on the project's Makefile. */
export async function runMake(project: WrittenProject, parallelism: number, timeoutMs: number): Promise<ToolRun> {
  const args = [`-j${parallelism}`, '-s', '--no-print-directory', '-C', project.dir, '-f', project.makefilePath];
  const r = await spawnTimed('make', args, { timeoutMs });
  const failure = r.error ?? (r.code === 0 ? undefined : `make exited ${r.code ?? r.signal}: ${tail(r.stderr)}`);
  return { wallMs: r.wallMs, markers: parseStepMarkers(r.stdout), failure };
}

/** `node bin/berth.ts run <pipeline> --json` with a fresh BERTH_HOME under `homeParent`. */
export async function runBerth(project: WrittenProject, homeParent: string, timeoutMs: number): Promise<BerthRun> {
  const home = mkdtempSync(join(homeParent, 'berth-home-'));
  const env = { ...process.env, BERTH_HOME: home };
  const r = await spawnTimed(process.execPath, [BERTH_BIN, 'run', project.pipelinePath, '--json'], { env, timeoutMs });
  let report: BerthReport | undefined;
  try {
    report = JSON.parse(r.stdout) as BerthReport;
  } catch {
    report = undefined;
  }
  const failure = r.error ?? (r.code !== 0 ? `berth exited ${r.code ?? r.signal}: ${tail(r.stderr || r.stdout)}` : runFailure(report, r.stdout));
  return { wallMs: r.wallMs, markers: report ? berthMarkers(home, report) : new Map(), report, failure };
}

function runFailure(report: BerthReport | undefined, stdout: string): string | undefined {
  if (report === undefined) return `stdout is not one JSON object: ${tail(stdout)}`;
  return report.run?.status === 'SUCCESS' ? undefined : `run status ${report.run?.status}`;
}

/** Step output lives in log files: the report's log_path, else <home>/runs/<run>/logs/. */
function berthMarkers(home: string, report: BerthReport): Map<string, number> {
  const files = report.steps.map((s) => s.log_path).filter((p): p is string => typeof p === 'string');
  const logDir = join(home, 'runs', report.run.uuid, 'logs');
  if (files.length === 0 && existsSync(logDir)) files.push(...readdirSync(logDir).map((f) => join(logDir, f)));
  const text = files.filter((f) => existsSync(f)).map((f) => readFileSync(f, 'utf8'));
  return parseStepMarkers(text.join('\n'));
}

/** The most telling line of an error output: the first one naming an error, else the last one. */
function tail(text: string): string {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  const line = lines.find((l) => /error/i.test(l)) ?? lines[lines.length - 1] ?? '(no output)';
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}
