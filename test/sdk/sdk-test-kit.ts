import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseJson, pipeline, type Sandbox, type StepDef, writePipeline } from '../helpers/berth-cli.ts';

let counter = 0;

/** Writes a pipeline with its own uuid (outputs are shared per pipeline, so tests must not share one). */
export function sdkPipeline(box: Sandbox, name: string, steps: StepDef[], extra: Record<string, unknown> = {}): string {
  counter += 1;
  const uuid = `22222222-0000-4000-8000-${String(process.pid % 1e6).padStart(6, '0')}${String(counter).padStart(6, '0')}`;
  return writePipeline(box, `${name}.orchest`, pipeline(name, steps, { uuid, ...extra }));
}

/** Runs a pipeline with --json and returns the exit code, the report and a log reader by title. */
export async function runJson(box: Sandbox, args: string[]) {
  const res = await box.run(['run', ...args, '--json']);
  const report = parseJson(res.stdout);
  const step = (title: string) => report.steps.find((s: { title: string }) => s.title === title);
  const log = (title: string) => readFileSync(step(title).log_path, 'utf8');
  return { code: res.code, stderr: res.stderr, report, step, log };
}

/** A JSON file a step wrote into the data folder. */
export function dataJson(box: Sandbox, file: string): any {
  return JSON.parse(readFileSync(join(box.home, 'data', file), 'utf8'));
}

/** The folder holding a step's outputs for the run's pipeline (one project per sandbox). */
export function stepOutputDir(box: Sandbox, report: { run: { pipeline: { uuid: string } } }, stepUuid: string): string {
  const root = join(box.home, 'outputs');
  const [project] = readdirSync(root);
  return join(root, project!, report.run.pipeline.uuid, stepUuid);
}
