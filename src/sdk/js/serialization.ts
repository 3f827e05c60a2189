import { decodeColumns, encodeColumns, isColumns } from './columns.ts';
import { DeserializationError, SerializationError } from './sdk-errors.ts';

/** Every serialization a step's output can have; JavaScript steps write and read JSON, BYTES and COLUMNS. */
export const SERIALIZATIONS = ['ARROW_TABLE', 'ARROW_BATCH', 'PICKLE', 'JSON', 'BYTES', 'COLUMNS'] as const;
export type Serialization = (typeof SERIALIZATIONS)[number];
export type JsSerialization = 'JSON' | 'BYTES' | 'COLUMNS';

export function parseSerialization(value: unknown): JsSerialization | undefined {
  if (value === undefined || value === null) return undefined;
  const name = typeof value === 'string' ? value.toUpperCase() : value;
  if (name === 'JSON' || name === 'BYTES' || name === 'COLUMNS') return name;
  if (typeof name === 'string' && (SERIALIZATIONS as readonly string[]).includes(name)) {
    throw new SerializationError(`${name} can only be written from Python steps: use JSON or BYTES (or COLUMNS for tables of typed arrays) in JavaScript`);
  }
  throw new SerializationError(`unknown serialization ${JSON.stringify(value)}: use JSON or BYTES (or COLUMNS for tables of typed arrays; Python steps also have PICKLE, ARROW_TABLE, ARROW_BATCH)`);
}

/**
 * Orchest's `output_to_disk(data, name, serialization)`: bytes given with a serialization are data
 * ALREADY serialized that way, written as they are (any serialization, so a JS step can pass on a
 * pickle it received as bytes). JSON and COLUMNS bytes are checked first.
 */
export function parseSerialized(value: unknown, bytes: Uint8Array): Serialization {
  const name = typeof value === 'string' ? value.toUpperCase() : value;
  if (typeof name !== 'string' || !(SERIALIZATIONS as readonly string[]).includes(name)) {
    throw new SerializationError(`unknown serialization ${JSON.stringify(value)}: use one of ${SERIALIZATIONS.join(', ')}`);
  }
  if (name === 'JSON') {
    try {
      JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    } catch (e) {
      throw new SerializationError(`the data given as already serialized JSON is not valid JSON: ${(e as Error).message}`);
    }
  } else if (name === 'COLUMNS') {
    try {
      decodeColumns(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), 'the data given as already serialized COLUMNS');
    } catch (e) {
      throw new SerializationError((e as Error).message);
    }
  }
  return name as Serialization;
}

/** Bytes (Uint8Array, Buffer, ArrayBuffer) as BYTES, a plain object of typed arrays as COLUMNS, everything else as JSON. */
export function inferSerialization(data: unknown): JsSerialization {
  if (data instanceof Uint8Array || data instanceof ArrayBuffer) return 'BYTES';
  return isColumns(data) ? 'COLUMNS' : 'JSON';
}

/** The data file's content: one buffer or string, or parts written one after the other (COLUMNS). */
export function encode(data: unknown, serialization: JsSerialization): Uint8Array | string | Uint8Array[] {
  if (serialization === 'COLUMNS') return encodeColumns(data);
  if (serialization === 'BYTES') {
    if (data instanceof Uint8Array) return data;
    if (data instanceof ArrayBuffer) return new Uint8Array(data);
    throw new SerializationError(`BYTES needs a Uint8Array, Buffer or ArrayBuffer, not ${describe(data)}`);
  }
  let text: string | undefined;
  try {
    text = JSON.stringify(data);
  } catch (e) {
    throw new SerializationError(`cannot write ${describe(data)} as JSON: ${(e as Error).message}`);
  }
  if (text === undefined) throw new SerializationError(`cannot write ${describe(data)} as JSON: it has no JSON form`);
  return text;
}

export function decode(serialization: string, bytes: Buffer, where: string): unknown {
  if (serialization === 'BYTES') return bytes;
  if (serialization === 'COLUMNS') return decodeColumns(bytes, where);
  if (serialization === 'JSON') {
    try {
      return JSON.parse(bytes.toString('utf8'));
    } catch (e) {
      throw new DeserializationError(`${where}: its JSON data cannot be parsed: ${(e as Error).message}`);
    }
  }
  if ((SERIALIZATIONS as readonly string[]).includes(serialization)) {
    throw new DeserializationError(
      `${where} was written as ${serialization}, which only Python steps can read: have that step write ` +
        `orchest.output_to_disk(data, name, serialization="JSON") (or "BYTES", or "COLUMNS" for a dict of arrays) for JavaScript steps`,
    );
  }
  throw new DeserializationError(`${where}: unknown serialization ${JSON.stringify(serialization)} in its HEAD record`);
}

function describe(data: unknown): string {
  if (data === null) return 'null';
  if (typeof data === 'object') return (data as object).constructor?.name ?? 'object';
  return typeof data;
}
