import type { CliContext } from '../cli-context.ts';
import { parseFlags, usageError } from '../parse-flags.ts';

export const validateHelp = `Usage: berth validate PIPELINE_FILE [--json]

Checks a pipeline file (Orchest format 1.0.0–1.2.3) and reports every problem at once.
Exit status: 0 valid, 2 invalid.`;

export async function validateCommand(ctx: CliContext, args: string[]): Promise<number> {
  const { values, positionals } = parseFlags('validate', args, { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } });
  if (values.help) return ctx.out(validateHelp), 0;
  if (positionals.length !== 1) throw usageError('validate', 'expected exactly one PIPELINE_FILE', 'berth validate path/to/pipeline.orchest');
  const v = await (await ctx.backend()).validate(positionals[0]!);
  if (values.json) {
    ctx.out(JSON.stringify({ valid: true, file: v.file, project: v.project, pipeline: v.pipeline, steps: v.steps, services: v.services, problems: [] }));
  } else {
    ctx.out(`✔ ${positionals[0]}: valid pipeline "${v.pipeline.name}" (${v.steps} step${v.steps === 1 ? '' : 's'}, ${v.services} service${v.services === 1 ? '' : 's'})`);
  }
  return 0;
}
