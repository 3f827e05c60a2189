import type { Problem } from '../errors.ts';
import { describeJsonType, isJsonObject, wrongType } from './json-object.ts';
import { jsonPath } from './json-path.ts';
import type { JsonObject, PipelineStep } from './pipeline-types.ts';
import { checkStepFilePath } from './step-file-path.ts';
import { defaultStepKernel } from './step-kernel.ts';
import { checkWorkloadResources } from './workload-resources.ts';

/** Step (and pipeline) ids end up in file names and container names: letters, digits, `-` and `_`. */
export const STEP_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/**
 * Checks each step on its own and returns the steps with defaults filled in, keyed as in the file
 * (steps that are not objects are left out). Problems are appended to `problems`.
 *
 * Leniency (hand-written files, not only the ones Orchest's editor saved):
 * - `uuid`, `title` and `file_path` are required. A title may be empty (Orchest allowed it; messages then show the uuid).
 * - `incoming_connections` missing = [] (a step with no parents); present, it must be an array of step uuids.
 * - `environment` missing = "" (the runtime's default image); present, it must be a string.
 * - `kernel` missing = chosen from the file extension (Python unless .R/.jl/.js/.mjs/.ts); present, it
 *   must be an object with a string `name` (`display_name` defaults to the name).
 * - `parameters` missing = {}; `meta_data` is optional (GUI only) but checked when present.
 * - `berth_resources` (Berth) is checked when present (checkWorkloadResources).
 * Other fields (Berth's additions) are kept as they are.
 */
export function validateSteps(raw: Record<string, unknown>, pipelineDir: string, problems: Problem[]): Record<string, PipelineStep> {
  const steps: Record<string, PipelineStep> = {};
  for (const [key, value] of Object.entries(raw)) {
    const step = validateStep(key, value, pipelineDir, problems);
    if (step) steps[key] = step;
  }
  return steps;
}

function validateStep(key: string, raw: unknown, pipelineDir: string, problems: Problem[]): PipelineStep | null {
  const at = (...segments: Array<string | number>) => jsonPath('steps', key, ...segments);
  const add = (path: string, message: string, fix: string) => problems.push({ path, message, fix });
  if (!isJsonObject(raw)) {
    add(at(), `must be an object describing a step, not ${describeJsonType(raw)}`, 'write the step as {"uuid": …, "title": …, "file_path": …}');
    return null;
  }
  if (!STEP_ID_PATTERN.test(key)) {
    add(
      at(),
      `step key "${key}" is not a valid step id`,
      'use a UUID (or letters, digits, "-" and "_", at most 64 characters) as the key and the uuid',
    );
  }
  const uuid = requiredString(raw, 'uuid', at, add, `add "uuid": "${key}" (the same as the step's key)`);
  if (uuid !== null && uuid !== key) {
    add(at('uuid'), `"${uuid}" differs from the step's key "${key}"`, 'make the key under "steps" and the step\'s uuid the same');
  }
  const title = requiredString(raw, 'title', at, add, 'add "title": a display name for the step');
  const filePath = requiredString(raw, 'file_path', at, add, 'add "file_path": the step file, relative to the pipeline file');
  if (filePath !== null) {
    const wrong = checkStepFilePath(filePath, pipelineDir);
    if (wrong) add(at('file_path'), wrong.message, wrong.fix);
  }
  const incoming = checkIncoming(raw.incoming_connections, at, add);
  if (raw.environment !== undefined && typeof raw.environment !== 'string') {
    add(
      at('environment'),
      `must be a string (an environment uuid), not ${describeJsonType(raw.environment)}`,
      'set it to an environment uuid, or remove it to use the default image',
    );
  }
  const kernel = checkKernel(raw.kernel, filePath ?? '', at, add);
  if (raw.parameters !== undefined && !isJsonObject(raw.parameters)) {
    add(at('parameters'), `must be an object, not ${describeJsonType(raw.parameters)}`, 'write the step parameters as {"name": value}');
  }
  checkMetaData(raw.meta_data, at, add);
  checkWorkloadResources(raw.berth_resources, at, add);
  return {
    ...raw,
    uuid: uuid ?? key,
    title: title ?? '',
    file_path: filePath ?? '',
    incoming_connections: incoming,
    environment: typeof raw.environment === 'string' ? raw.environment : '',
    kernel,
    parameters: isJsonObject(raw.parameters) ? (raw.parameters as JsonObject) : {},
  } as PipelineStep;
}

type At = (...segments: Array<string | number>) => string;
type Add = (path: string, message: string, fix: string) => void;

function requiredString(raw: Record<string, unknown>, field: string, at: At, add: Add, fix: string): string | null {
  const value = raw[field];
  if (typeof value === 'string') return value;
  add(at(field), wrongType(value, 'a string'), fix);
  return null;
}

function checkIncoming(value: unknown, at: At, add: Add): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    add(
      at('incoming_connections'),
      `must be an array of step uuids, not ${describeJsonType(value)}`,
      'list the uuids of the steps this one runs after, e.g. ["<uuid>"], or []',
    );
    return [];
  }
  const parents: string[] = [];
  const seen = new Set<string>();
  value.forEach((parent: unknown, i) => {
    if (typeof parent !== 'string') {
      add(
        at('incoming_connections', i),
        `must be a step uuid (a string), not ${describeJsonType(parent)}`,
        'replace it with the uuid of a step in this pipeline',
      );
    } else if (seen.has(parent)) {
      add(at('incoming_connections', i), `lists "${parent}" more than once`, 'keep one entry per incoming step');
    } else {
      seen.add(parent);
      parents.push(parent);
    }
  });
  return parents;
}

function checkKernel(value: unknown, filePath: string, at: At, add: Add): { name: string; display_name: string } {
  const fallback = defaultStepKernel(filePath);
  if (value === undefined) return fallback;
  if (!isJsonObject(value)) {
    add(
      at('kernel'),
      `must be an object like {"name": "python", "display_name": "Python 3"}, not ${describeJsonType(value)}`,
      'fix the kernel, or remove it to pick one from the file extension',
    );
    return fallback;
  }
  if (typeof value.name !== 'string' || value.name === '') {
    add(
      at('kernel', 'name'),
      value.name === undefined ? 'is missing' : 'must be a non-empty string',
      'set it to a Jupyter kernel name such as "python", "r" or "julia"',
    );
    return fallback;
  }
  if (value.display_name !== undefined && typeof value.display_name !== 'string') {
    add(
      at('kernel', 'display_name'),
      `must be a string, not ${describeJsonType(value.display_name)}`,
      'set it to the kernel\'s display name, e.g. "Python 3"',
    );
  }
  return { ...value, name: value.name, display_name: typeof value.display_name === 'string' ? value.display_name : value.name };
}

function checkMetaData(value: unknown, at: At, add: Add): void {
  if (value === undefined) return;
  if (!isJsonObject(value)) {
    add(at('meta_data'), `must be an object, not ${describeJsonType(value)}`, 'remove it, or write {"hidden": false, "position": [x, y]}');
    return;
  }
  if (value.hidden !== undefined && typeof value.hidden !== 'boolean') {
    add(at('meta_data', 'hidden'), `must be true or false, not ${describeJsonType(value.hidden)}`, 'set it to true or false');
  }
  const position = value.position;
  const isPoint = Array.isArray(position) && position.length === 2 && position.every((n) => typeof n === 'number' && Number.isFinite(n));
  if (position !== undefined && !isPoint) {
    add(at('meta_data', 'position'), 'must be two numbers [x, y]', 'set it to the step\'s position in the editor, e.g. [100, 200]');
  }
}
