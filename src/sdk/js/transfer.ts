import type { Columns } from './columns.ts';
import { checkName, RESERVED_NAME } from './output-names.ts';
import { lastRun, readOutputs, writeOutput } from './output-store.ts';
import { loadPipeline, thisStep } from './pipeline-definition.ts';
import { DiskOutputNotFoundError, InputNameCollisionError, InvalidMetaDataError } from './sdk-errors.ts';
import { decode, encode, inferSerialization, parseSerialization, parseSerialized, type JsSerialization, type Serialization } from './serialization.ts';
import { outputsDir, runUuid, stepUuid } from './step-context.ts';

export interface OutputOptions {
  /**
   * JSON, BYTES or COLUMNS; by default bytes (Uint8Array, Buffer, ArrayBuffer) are BYTES, a plain object of typed arrays COLUMNS, the rest JSON.
   * With bytes, as in Orchest: the bytes are ALREADY serialized this way (any serialization, PICKLE too) and written as they are.
   */
  serialization?: JsSerialization | string;
  /** Keep this step's other named outputs of this run instead of replacing them. */
  multiple?: boolean;
}

/** `{ unnamed: [...], <name>: value }`: BYTES as Buffer, JSON parsed, COLUMNS as an object of typed arrays. */
export type Inputs = { unnamed: unknown[] } & Record<string, unknown>;

let inputsRead = false;

/**
 * Writes this step's output for its children. A step has one output (a second call in the same
 * run replaces it, with a warning) unless it passes `{ multiple: true }`. Throws
 * DataInvalidNameError for a bad name, SerializationError for data the serialization
 * cannot hold.
 */
export function outputToDisk(data: unknown, name: string | null, options: OutputOptions = {}): void {
  const stored = checkName(name);
  const bytes = data instanceof Uint8Array ? data : data instanceof ArrayBuffer ? new Uint8Array(data) : null;
  let serialization: Serialization;
  let encoded: Uint8Array | string | Uint8Array[];
  if (bytes && options.serialization !== undefined && options.serialization !== null) {
    serialization = parseSerialized(options.serialization, bytes);
    encoded = bytes;
  } else {
    serialization = parseSerialization(options.serialization) ?? inferSerialization(data);
    encoded = encode(data, serialization as JsSerialization);
  }
  const root = outputsDir();
  const step = stepUuid();
  const run = runUuid();
  if (!options.multiple && run && lastRun(root, step) === run) {
    console.warn('berth: this step already wrote an output in this run; the new output replaces it (a step has one output unless it passes { multiple: true })');
  }
  writeOutput(root, step, run, stored, serialization, encoded, options.multiple ?? false);
}

export function output(data: unknown, name: string | null, options: { multiple?: boolean } = {}): void {
  outputToDisk(data, name, { multiple: options.multiple });
}

/**
 * Writes a table of equal-length typed-array columns as one COLUMNS output (one file; Python
 * steps read it as a dict of array.array). Throws SerializationError for other data.
 */
export function outputTable(columns: Columns, name: string | null, options: { multiple?: boolean } = {}): void {
  outputToDisk(columns, name, { serialization: 'COLUMNS', multiple: options.multiple });
}

/**
 * The outputs of this step's parents in `incoming_connections` order. Throws OutputNotFoundError
 * when a parent has none (unless ignoreFailure: null is appended to `unnamed`),
 * InputNameCollisionError when two parents use one name, DeserializationError for data
 * JavaScript cannot read (PICKLE, Arrow).
 */
export function getInputs(options: { ignoreFailure?: boolean } = {}): Inputs {
  if (inputsRead) console.warn('berth: getInputs() was already called in this step; reading the inputs again');
  inputsRead = true;
  const pipeline = loadPipeline();
  const step = thisStep(pipeline);
  const root = outputsDir();
  const result: Inputs = { unnamed: [] };
  const owner = new Map<string, string>();
  for (const parent of step.incoming_connections ?? []) {
    const title = pipeline.steps?.[parent]?.title ?? parent;
    let found: ReturnType<typeof readOutputs>;
    try {
      found = readOutputs(root, parent);
    } catch (e) {
      if (!(e instanceof InvalidMetaDataError)) throw e;
      if (options.ignoreFailure) {
        result.unnamed.push(null);
        continue;
      }
      throw new DiskOutputNotFoundError(`incoming step "${title}" (${parent}) has no readable output: ${e.message}`, { cause: e });
    }
    if (found === null) {
      if (options.ignoreFailure) {
        result.unnamed.push(null);
        continue;
      }
      throw new DiskOutputNotFoundError(
        `incoming step "${title}" (${parent}) has no output: it did not call output(), or it has not run yet (run it, or call getInputs({ ignoreFailure: true }) to get null instead)`,
      );
    }
    for (const { entry, bytes } of found) {
      const value = decode(entry.serialization, bytes, `the output of step "${title}"`);
      if (entry.name === RESERVED_NAME) result.unnamed.push(value);
      else if (Object.hasOwn(result, entry.name)) {
        throw new InputNameCollisionError(`the outputs of incoming steps "${owner.get(entry.name)}" and "${title}" are both named "${entry.name}": give them different names`);
      } else {
        result[entry.name] = value;
        owner.set(entry.name, title);
      }
    }
  }
  return result;
}
