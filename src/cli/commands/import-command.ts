import { checkOrchestProject, type FindingLevel } from '../../projects/orchest-project-check.ts';
import type { CliContext } from '../cli-context.ts';
import { parseFlags, usageError } from '../parse-flags.ts';

export const importHelp = `Usage: berth import orchest DIR [--json]

Checks an Orchest project folder before anything runs: its pipelines (*.orchest), environments
(.orchest/environments), job parameter files and step files, and reports what Berth will use and
what it cannot (environment setup scripts, GPU flags, …). Reads only; changes nothing.
Exit status: 0 the project can run, 2 something blocks it (listed as errors).`;

const HEADINGS: Record<FindingLevel, string> = {
  uses: 'Berth will use:',
  cannot: 'Berth cannot use (the project still runs; see what to do):',
  error: 'Errors (fix these before running):',
};

export async function importCommand(ctx: CliContext, args: string[]): Promise<number> {
  const { values, positionals } = parseFlags('import', args, { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } });
  if (values.help) return ctx.out(importHelp), 0;
  if (positionals[0] !== 'orchest' || positionals.length !== 2) {
    throw usageError('import', 'expected `orchest DIR`', 'berth import orchest path/to/orchest-project');
  }
  const report = checkOrchestProject(positionals[1]!, { path: ctx.config.baseEnv.PATH ?? '', nodePath: process.execPath });
  if (values.json) {
    ctx.out(JSON.stringify(report));
  } else {
    ctx.out(`Orchest project ${report.project}: ${report.pipelines.length} pipeline(s), ${report.environments.length} environment(s)`);
    for (const level of ['uses', 'cannot', 'error'] as const) {
      const found = report.findings.filter((f) => f.level === level);
      if (found.length === 0) continue;
      ctx.out(`\n${HEADINGS[level]}`);
      for (const f of found) ctx.out(`  - ${f.subject}: ${f.message}`);
    }
    ctx.out(report.ok ? '\nReady: run a pipeline with `berth run PIPELINE_FILE`.' : '\nNot ready: fix the errors above.');
  }
  return report.ok ? 0 : 2;
}
