import { createReadStream, existsSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CliContext } from '../cli-context.ts';
import { parseFlags, usageError } from '../parse-flags.ts';

export const logsHelp = `Usage: berth logs RUN STEP [-f|--follow]

Prints a step's output (stdout and stderr) from a run. STEP is a step title or uuid.
With --follow, keeps printing until the step ends.`;

export async function logsCommand(ctx: CliContext, args: string[]): Promise<number> {
  const { values, positionals } = parseFlags('logs', args, {
    follow: { type: 'boolean', short: 'f' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) return ctx.out(logsHelp), 0;
  if (positionals.length !== 2) throw usageError('logs', 'expected RUN and STEP', 'berth logs 1a2b3c4d "Train model"');
  const engine = await ctx.engine();
  const { run, step } = await engine.findStep(positionals[0]!, positionals[1]!);
  if (!values.follow) {
    if (!existsSync(step.log_path)) {
      ctx.err(`(no output: step "${step.title}" is ${step.status}${step.reason ? ` — ${step.reason}` : ''})`);
      return 0;
    }
    await new Promise<void>((resolve, reject) => createReadStream(step.log_path).on('end', resolve).on('error', reject).pipe(process.stdout, { end: false }));
    return 0;
  }
  let offset = 0;
  for (;;) {
    offset = await copyFrom(step.log_path, offset);
    const now = (await engine.findStep(run.uuid, step.uuid)).step;
    if (now.status !== 'PENDING' && now.status !== 'STARTED') {
      await copyFrom(step.log_path, offset);
      return 0;
    }
    await sleep(200);
  }
}

async function copyFrom(path: string, offset: number): Promise<number> {
  if (!existsSync(path)) return offset;
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(64 * 1024);
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
      if (bytesRead === 0) return offset;
      process.stdout.write(buf.subarray(0, bytesRead));
      offset += bytesRead;
    }
  } finally {
    await fh.close();
  }
}
