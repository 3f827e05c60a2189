import { posix } from 'node:path';
import { BerthError, formatProblem, type Problem } from '../errors.ts';
import { describeJsonType, isJsonObject, wrongType } from './json-object.ts';
import { ROOT_PATH } from './json-path.ts';
import { migratePipeline, PIPELINE_VERSIONS } from './pipeline-migration.ts';
import { LATEST_PIPELINE_VERSION, type JsonObject, type PipelineDefinition } from './pipeline-types.ts';
import { validateServices } from './service-validation.ts';
import { validateSettings } from './settings-validation.ts';
import { validateStepGraph } from './step-graph-validation.ts';
import { STEP_ID_PATTERN, validateSteps } from './step-validation.ts';

export interface ValidationContext {
  /** The pipeline file's folder relative to the project root (posix, "" for the root). */
  pipelineDir?: string;
}

export interface ValidationResult {
  /** The migrated pipeline with defaults filled in; null when there is any problem. */
  pipeline: PipelineDefinition | null;
  problems: Problem[];
}

const MAX_NAME_LENGTH = 255;

/**
 * Migrates a parsed `*.orchest` file to the latest version, then checks all of it and reports every
 * problem at once, each with the JSON path of the field, what is wrong and how to fix it.
 * Required: `name`, `uuid`, `settings` (an object, may be empty), `steps` (an object, may be empty);
 * `parameters` missing = {} (hand-written files). The result's version is always the latest.
 * See validateSteps and validateServices for what is lenient.
 */
export function validatePipeline(raw: unknown, ctx: ValidationContext = {}): ValidationResult {
  if (!isJsonObject(raw)) {
    const problem = {
      path: ROOT_PATH,
      message: `a pipeline file must be a JSON object, not ${describeJsonType(raw)}`,
      fix: 'write the pipeline as {"name": …, "uuid": …, "settings": {}, "steps": {}}',
    };
    return { pipeline: null, problems: [problem] };
  }
  const problems: Problem[] = [];
  const add: Add = (path, message, fix) => problems.push({ path, message, fix });
  const { pipeline: p, fromVersion } = migratePipeline(raw);
  if (p.version !== LATEST_PIPELINE_VERSION) checkVersion(fromVersion, p.version, add);

  if (typeof p.name !== 'string' || p.name.trim() === '') {
    add('name', typeof p.name === 'string' ? 'is empty' : wrongType(p.name, 'a string'), 'add "name": a name for the pipeline');
  } else if (p.name.length > MAX_NAME_LENGTH) {
    add('name', `is ${p.name.length} characters long; at most ${MAX_NAME_LENGTH} are allowed`, 'shorten the name');
  }
  if (typeof p.uuid !== 'string' || !STEP_ID_PATTERN.test(p.uuid)) {
    const message = p.uuid === undefined ? 'is missing' : `${JSON.stringify(p.uuid)} is not a valid pipeline uuid`;
    add('uuid', message, 'set it to a UUID such as the output of `uuidgen` (letters, digits, "-" and "_", at most 64 characters)');
  }
  if (p.parameters === undefined) p.parameters = {};
  if (!isJsonObject(p.parameters)) {
    add('parameters', wrongType(p.parameters, 'an object'), 'write the pipeline parameters as {"name": value}, or {}');
  }

  let settings = {};
  if (isJsonObject(p.settings)) settings = validateSettings(p.settings, problems);
  else add('settings', wrongType(p.settings, 'an object'), 'add "settings": {} (or settings such as {"max_steps_parallelism": 0})');

  let steps = {};
  if (isJsonObject(p.steps)) {
    const pipelineDir = posix.normalize(ctx.pipelineDir || '.');
    const checked = validateSteps(p.steps, pipelineDir === '.' ? '' : pipelineDir, problems);
    validateStepGraph(checked, problems);
    steps = checked;
  } else {
    add(
      'steps',
      wrongType(p.steps, 'an object keyed by step uuid'),
      'add "steps": {"<uuid>": {"uuid": "<uuid>", "title": …, "file_path": …}}, or {}',
    );
  }

  let services: PipelineDefinition['services'];
  if (isJsonObject(p.services)) services = validateServices(p.services, problems);
  else if (p.services !== undefined) {
    add('services', wrongType(p.services, 'an object keyed by service name'), 'write "services": {"<name>": {…}}, or remove it');
  }

  if (problems.length > 0) return { pipeline: null, problems };
  const pipeline = { ...p, version: LATEST_PIPELINE_VERSION, parameters: p.parameters as JsonObject, settings, steps } as PipelineDefinition;
  if (services !== undefined) pipeline.services = services;
  return { pipeline, problems };
}

type Add = (path: string, message: string, fix: string) => void;

function checkVersion(fromVersion: string, version: unknown, add: Add): void {
  const supported = `${PIPELINE_VERSIONS[0]} to ${LATEST_PIPELINE_VERSION}`;
  if (typeof version !== 'string') {
    add(
      'version',
      wrongType(version, `a string such as "${LATEST_PIPELINE_VERSION}"`),
      `set it to "${LATEST_PIPELINE_VERSION}", or remove it for a 1.0.0 file`,
    );
  } else if (/^\d+\.\d+\.\d+$/.test(version) && compareVersions(version, LATEST_PIPELINE_VERSION) > 0) {
    add(
      'version',
      `${version} is newer than this Berth reads (${supported})`,
      'upgrade Berth, or save the pipeline with a tool that writes a supported version',
    );
  } else {
    const known = PIPELINE_VERSIONS.join(', ');
    add(
      'version',
      `${JSON.stringify(fromVersion)} is not a pipeline file version Berth knows (${supported})`,
      `set it to the version the file was written in (one of ${known})`,
    );
  }
}

function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return pa[i]! - pb[i]!;
  return 0;
}

/** Like validatePipeline, but returns the pipeline or throws BERTH_E_INVALID_PIPELINE carrying every problem. */
export function parsePipeline(raw: unknown, ctx: ValidationContext = {}): PipelineDefinition {
  const { pipeline, problems } = validatePipeline(raw, ctx);
  if (pipeline && problems.length === 0) return pipeline;
  throw invalidPipelineError(raw, problems);
}

/** The error for a pipeline document with problems: names the pipeline, counts the problems, shows the first. */
export function invalidPipelineError(raw: unknown, problems: Problem[]): BerthError {
  const name = isJsonObject(raw) && typeof raw.name === 'string' && raw.name ? ` "${raw.name}"` : '';
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  return new BerthError('BERTH_E_INVALID_PIPELINE', `invalid pipeline${name}: ${count}; first: ${formatProblem(problems[0]!)}`, { problems });
}

/**
 * The pipeline as Orchest wrote it: version 1.2.3, keys sorted, 4-space indentation, trailing newline.
 * Array order (incoming connections, ports…) is kept.
 */
export function serializePipeline(p: PipelineDefinition): string {
  return `${JSON.stringify(sortKeys({ ...p, version: LATEST_PIPELINE_VERSION }), null, 4)}\n`;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (!isJsonObject(value)) return value;
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) if (value[key] !== undefined) sorted[key] = sortKeys(value[key]);
  return sorted;
}
