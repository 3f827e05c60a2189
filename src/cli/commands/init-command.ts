import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { BerthError } from '../../errors.ts';
import { starterProject } from '../../projects/starter-project.ts';
import type { CliContext } from '../cli-context.ts';
import { parseFlags, usageError } from '../parse-flags.ts';

export const initHelp = `Usage: berth init [DIR] [--name NAME] [--json]

Writes a starter project into DIR (default: the current folder; created when missing): main.orchest,
a pipeline of two connected Python steps (prepare.py passes numbers to summarise.py with Orchest's
SDK), their files, and .orchest/ marking the project folder. Then: berth run DIR/main.orchest.
Nothing is overwritten: when any of those files exists, nothing is written (exit 2).
--name sets the pipeline's name (default: the folder's name).`;

export async function initCommand(ctx: CliContext, args: string[]): Promise<number> {
  const { values, positionals } = parseFlags('init', args, { name: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } });
  if (values.help) return ctx.out(initHelp), 0;
  if (positionals.length > 1) throw usageError('init', `unexpected argument "${positionals[1]}"`, 'berth init [DIR]');
  const dir = resolve(positionals[0] ?? '.');
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw usageError('init', `${dir} is a file, not a folder`, 'give a folder (new or existing) for the project');
  const name = values.name ?? (basename(dir) || 'starter');
  if (name.trim() === '') throw usageError('init', '--name is empty', 'e.g. --name my-pipeline');
  const files = starterProject(name);
  const taken = files.filter((f) => existsSync(join(dir, f.path)));
  if (taken.length > 0) {
    throw new BerthError('BERTH_E_CONFLICT', `${dir} already has ${taken.map((f) => f.path).join(', ')}; nothing was written`, {
      problems: taken.map((f) => ({ path: f.path, message: 'exists', fix: 'init into a new or empty folder: berth init NEW_DIR' })),
    });
  }
  mkdirSync(join(dir, '.orchest'), { recursive: true });
  for (const f of files) writeFileSync(join(dir, f.path), f.content, { flag: 'wx' });
  const pipeline = join(dir, 'main.orchest');
  const shown = relative(process.cwd(), pipeline) || pipeline;
  if (values.json) return ctx.out(JSON.stringify({ dir, pipeline, files: files.map((f) => f.path) })), 0;
  ctx.out(`Wrote a starter project to ${dir}: ${files.map((f) => f.path).join(', ')}.`);
  ctx.out(`Next: berth run ${shown}   (then: berth runs show, berth logs RUN STEP)`);
  return 0;
}
