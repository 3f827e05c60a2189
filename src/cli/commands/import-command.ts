import { RUNTIMES, type RuntimeName } from '../../config/config.ts';
import { checkOrchestProject, type FindingLevel, type ImageProbe } from '../../projects/orchest-project-check.ts';
import type { CliContext } from '../cli-context.ts';
import { parseFlags, usageError } from '../parse-flags.ts';

export const importHelp = `Usage: berth import orchest DIR [--runtime NAME] [--json]

Checks an Orchest project folder before anything runs, for one runtime (--runtime, default
BERTH_RUNTIME or process): its pipelines (*.orchest, with the version each file states), the
languages of its steps and whether their Jupyter kernels are installed, its environments
(.orchest/environments) and how each is built, services that cannot run on the runtime, images the
container engine lacks, job parameter files, and everything Berth does not use. Reads only;
changes nothing.
Exit status: 0 the project can run as is, 2 something blocks it (listed as errors).`;

const HEADINGS: Record<FindingLevel, string> = {
  uses: 'Berth will use:',
  cannot: 'Berth will not use (the project still runs; see what to do):',
  warning: 'Check before running (may stop a run):',
  error: 'Errors (fix these before running):',
};

export async function importCommand(ctx: CliContext, args: string[]): Promise<number> {
  const { values, positionals } = parseFlags('import', args, { json: { type: 'boolean' }, runtime: { type: 'string' }, help: { type: 'boolean', short: 'h' } });
  if (values.help) return ctx.out(importHelp), 0;
  if (positionals[0] !== 'orchest' || positionals.length !== 2) {
    throw usageError('import', 'expected `orchest DIR`', 'berth import orchest path/to/orchest-project');
  }
  const runtime = values.runtime ?? ctx.config.runtime;
  if (!(RUNTIMES as readonly string[]).includes(runtime)) {
    throw usageError('import', `--runtime ${runtime} is not a runtime this build has`, `use one of: ${RUNTIMES.join(', ')}`);
  }
  const report = await checkOrchestProject(positionals[1]!, {
    runtime,
    env: ctx.config.baseEnv,
    nodePath: process.execPath,
    images: runtime === 'process' ? undefined : await imageProbe(ctx, runtime as RuntimeName),
    imageTable: ctx.config.orchestImages,
  });
  if (values.json) {
    ctx.out(JSON.stringify(report));
  } else {
    ctx.out(`Orchest project ${report.project} on the ${report.runtime} runtime: ${report.pipelines.length} pipeline(s), ${report.environments.length} environment(s)`);
    for (const level of ['uses', 'cannot', 'warning', 'error'] as const) {
      const found = report.findings.filter((f) => f.level === level);
      if (found.length === 0) continue;
      ctx.out(`\n${HEADINGS[level]}`);
      for (const f of found) ctx.out(`  - ${f.subject}: ${f.message}`);
    }
    ctx.out(report.ok ? `\nReady: run a pipeline with \`berth run PIPELINE_FILE${runtime === 'process' ? '' : ` --runtime ${runtime}`}\`.` : '\nNot ready: fix the errors above.');
  }
  return report.ok ? 0 : 2;
}

/** Whether the image-based runtime's engine has an image (BERTH_E_DOCKER_UNREACHABLE when it does not answer). */
async function imageProbe(ctx: CliContext, runtime: RuntimeName): Promise<ImageProbe> {
  const { RuntimeRegistry } = await import('../../runtimes/runtime-registry.ts');
  const builder = await new RuntimeRegistry(ctx.config).imageBuilder(runtime);
  return (reference) => builder.hasImage(reference);
}
