import type { CliContext } from '../cli-context.ts';
import { parseFlags, usageError } from '../parse-flags.ts';

export const pipelineHelp = `Usage: berth pipeline rm FILE [--json]

Deletes a pipeline file (.orchest) and records project:pipeline:deleted. Its runs, outputs and logs
are kept. The file's project is registered first if it is new (as for runs). With BERTH_ENDPOINT set
the server deletes it (it must see the same folder).`;

export async function pipelineCommand(ctx: CliContext, args: string[]): Promise<number> {
  const { values, positionals } = parseFlags('pipeline', args, { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } });
  if (values.help) return ctx.out(pipelineHelp), 0;
  const [verb, file, ...rest] = positionals;
  if (verb !== 'rm' || file === undefined || rest.length > 0) throw usageError('pipeline', verb === 'rm' ? 'expected exactly one FILE' : 'expected `rm FILE`', 'berth pipeline rm path/to/main.orchest');
  const removed = await (await (await ctx.backend()).projects()).removePipeline(file);
  if (values.json) return ctx.out(JSON.stringify(removed)), 0;
  ctx.out(`Deleted ${removed.path} from project "${removed.project}".`);
  return 0;
}
