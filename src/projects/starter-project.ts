import { randomUUID } from 'node:crypto';
import { serializePipeline } from '../core/pipeline-validation.ts';
import type { PipelineDefinition } from '../core/pipeline-types.ts';

/** A file of the starter project: its path relative to the project folder and its content. */
export interface StarterFile {
  path: string;
  content: string;
}

const PREPARE = `"""Step 1: makes some numbers and passes them to the next step (Orchest's SDK: orchest.output)."""
import random

import orchest

rows = int(orchest.get_pipeline_param("rows"))
random.seed(7)
numbers = [random.randint(1, 100) for _ in range(rows)]
print(f"prepared {rows} numbers: {numbers}")
orchest.output(numbers, name="numbers")
`;

const SUMMARISE = `"""Step 2: reads what step 1 passed on (orchest.get_inputs) and writes a summary to the data folder."""
import json
import os

import orchest

numbers = orchest.get_inputs()["numbers"]
summary = {"count": len(numbers), "total": sum(numbers), "mean": sum(numbers) / len(numbers)}
print(f"summary: {summary}")
path = os.path.join(os.environ["BERTH_DATA_DIR"], "summary.json")
with open(path, "w") as f:
    json.dump(summary, f)
print(f"wrote {path}")
`;

/**
 * The files `berth init` writes (pure): `main.orchest` with two connected Python steps, the steps'
 * files, and an empty `.orchest/` marking the project folder (as Orchest projects have).
 */
export function starterProject(name: string): StarterFile[] {
  const prepare = randomUUID();
  const summarise = randomUUID();
  const step = (uuid: string, title: string, file: string, parents: string[], x: number) => ({
    uuid, title, file_path: file, incoming_connections: parents, environment: '',
    kernel: { name: 'python', display_name: 'Python 3' }, parameters: {}, meta_data: { hidden: false, position: [x, 120] as [number, number] },
  });
  const pipeline = {
    name,
    uuid: randomUUID(),
    version: '1.2.3',
    parameters: { rows: 10 },
    settings: { auto_eviction: false, data_passing_memory_size: '1GB' },
    steps: {
      [prepare]: step(prepare, 'Prepare', 'prepare.py', [], 100),
      [summarise]: step(summarise, 'Summarise', 'summarise.py', [prepare], 400),
    },
    services: {},
  } as unknown as PipelineDefinition;
  return [
    { path: 'main.orchest', content: serializePipeline(pipeline) },
    { path: 'prepare.py', content: PREPARE },
    { path: 'summarise.py', content: SUMMARISE },
  ];
}
