import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Dag } from '../dag-shapes.ts';

/** What every step file does: one bash builtin (no fork) printing its title and start time in µs. */
export const STEP_MARKER = 'bench-step';

/** Deterministic uuid-shaped ids, so the same DAG always gives the same file. */
export function benchUuid(kind: number, index: number): string {
  const hex = (index + 1).toString(16).padStart(12, '0');
  return `00000000-0000-4000-8${kind.toString(16).padStart(3, '0')}-${hex}`;
}

/** The Orchest 1.2.3 pipeline file for a DAG: step i runs steps/s<i+1>.sh. */
export function pipelineJson(dag: Dag, parallelism: number): Record<string, unknown> {
  const steps: Record<string, unknown> = {};
  for (const [i, title] of dag.titles.entries()) {
    const uuid = benchUuid(1, i);
    steps[uuid] = {
      uuid,
      title,
      file_path: `steps/${title}.sh`,
      incoming_connections: (dag.parents[i] ?? []).map((p) => benchUuid(1, p)),
      environment: '',
      kernel: { name: 'bash', display_name: 'Bash' },
      parameters: {},
    };
  }
  return {
    name: dag.name,
    uuid: benchUuid(0, 0),
    version: '1.2.3',
    parameters: {},
    settings: { max_steps_parallelism: parallelism },
    steps,
  };
}

/** A GNU Makefile with the same DAG: phony targets (always run), each running `bash steps/<title>.sh`. */
export function makefile(dag: Dag): string {
  const hasChild = new Set(dag.parents.flat());
  const sinks = dag.titles.filter((_, i) => !hasChild.has(i));
  const lines = [
    'MAKEFLAGS += --no-builtin-rules --no-builtin-variables',
    '.SUFFIXES:',
    `.PHONY: all ${dag.titles.join(' ')}`,
    `all: ${sinks.join(' ')}`,
  ];
  for (const [i, title] of dag.titles.entries()) {
    const deps = (dag.parents[i] ?? []).map((p) => dag.titles[p]).join(' ');
    lines.push(`${title}:${deps ? ` ${deps}` : ''}`, `\tbash steps/${title}.sh`);
  }
  return `${lines.join('\n')}\n`;
}

export function stepScript(title: string): string {
  return `echo "${STEP_MARKER} ${title} $EPOCHREALTIME"\n`;
}

export interface WrittenProject {
  dir: string;
  pipelinePath: string;
  makefilePath: string;
}

/** Writes <dir>/bench.orchest, <dir>/Makefile and <dir>/steps/*.sh. */
export function writeProject(dir: string, dag: Dag, parallelism: number): WrittenProject {
  mkdirSync(join(dir, 'steps'), { recursive: true });
  for (const title of dag.titles) writeFileSync(join(dir, 'steps', `${title}.sh`), stepScript(title));
  const pipelinePath = join(dir, 'bench.orchest');
  const makefilePath = join(dir, 'Makefile');
  writeFileSync(pipelinePath, `${JSON.stringify(pipelineJson(dag, parallelism), null, 2)}\n`);
  writeFileSync(makefilePath, makefile(dag));
  return { dir, pipelinePath, makefilePath };
}

/** Parses `bench-step <title> <epoch seconds.micro>` lines into title → start time in ms. */
export function parseStepMarkers(text: string): Map<string, number> {
  const out = new Map<string, number>();
  const re = new RegExp(`${STEP_MARKER} (\\S+) (\\d+)[.,](\\d{6})`, 'g');
  for (const m of text.matchAll(re)) out.set(m[1]!, Number(m[2]) * 1000 + Number(m[3]) / 1000);
  return out;
}
