import { endianness } from 'node:os';
import { DeserializationError, SerializationError } from './sdk-errors.ts';

/**
 * COLUMNS data files, shared with the Python SDK (src/sdk/README.md, python/berth/columns.py): a
 * table of equal-length numeric columns in one file. A JSON header line
 * `{"columns":[{"name","type","length","offset"}, ...]}` padded with spaces to a multiple of 8 bytes
 * (with its "\n"), then each column's little-endian data at header bytes + offset (offsets are
 * multiples of 8, gaps are zero bytes). Written with one writev of the columns' own memory, read
 * with one read: the columns come back as typed arrays over that one buffer, without copies.
 */
export type Column = Int8Array | Uint8Array | Uint8ClampedArray | Int16Array | Uint16Array | Int32Array | Uint32Array | BigInt64Array | BigUint64Array | Float32Array | Float64Array;
export type Columns = Record<string, Column>;

type ColumnConstructor = { new (buffer: ArrayBufferLike, byteOffset: number, length: number): Column; new (length: number): Column; BYTES_PER_ELEMENT: number };

const TYPES: Record<string, ColumnConstructor> = {
  int8: Int8Array,
  uint8: Uint8Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  uint32: Uint32Array,
  int64: BigInt64Array,
  uint64: BigUint64Array,
  float32: Float32Array,
  float64: Float64Array,
};
const ALIGN = 8;
const ZEROS = new Uint8Array(ALIGN);

interface ColumnHeader {
  name: string;
  type: string;
  length: number;
  offset: number;
}

const padding = (n: number) => (ALIGN - (n % ALIGN)) % ALIGN;

function typeName(column: unknown): string | undefined {
  if (column instanceof Uint8ClampedArray) return 'uint8';
  return Object.keys(TYPES).find((name) => column instanceof TYPES[name]!);
}

/** True for a non-empty plain object whose values are all typed arrays: what COLUMNS holds. */
export function isColumns(data: unknown): data is Columns {
  if (typeof data !== 'object' || data === null) return false;
  const proto = Object.getPrototypeOf(data);
  if (proto !== Object.prototype && proto !== null) return false;
  const values = Object.values(data);
  return values.length > 0 && values.every((v) => typeName(v) !== undefined);
}

/** The file's bytes as parts to write in order (header, then each column's memory and padding). */
export function encodeColumns(data: unknown): Uint8Array[] {
  if (endianness() !== 'LE') throw new SerializationError('COLUMNS data is little-endian and this machine is not: use BYTES or JSON');
  if (typeof data !== 'object' || data === null || Object.keys(data).length === 0) {
    throw new SerializationError('COLUMNS needs a non-empty object of column name -> typed array (Float64Array, Int32Array, BigInt64Array ...)');
  }
  const columns: ColumnHeader[] = [];
  const body: Uint8Array[] = [];
  let offset = 0;
  for (const [name, column] of Object.entries(data)) {
    const type = typeName(column);
    if (type === undefined) throw new SerializationError(`COLUMNS: column "${name}" is not a typed array (Float64Array, Int32Array, BigInt64Array ...)`);
    const typed = column as Column;
    if (columns.length > 0 && typed.length !== columns[0]!.length) {
      throw new SerializationError(`COLUMNS: column "${name}" has ${typed.length} rows, "${columns[0]!.name}" has ${columns[0]!.length}: columns need equal lengths`);
    }
    columns.push({ name, type, length: typed.length, offset });
    body.push(new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength), ZEROS.subarray(0, padding(typed.byteLength)));
    offset += typed.byteLength + padding(typed.byteLength);
  }
  const json = JSON.stringify({ columns });
  const header = Buffer.from(`${json}${' '.repeat(padding(Buffer.byteLength(json) + 1))}\n`);
  return [header, ...body.filter((part) => part.byteLength > 0)];
}

/** The columns of a COLUMNS file as typed arrays viewing `bytes` (copied only where misaligned). */
export function decodeColumns(bytes: Buffer, where: string): Columns {
  const end = bytes.indexOf(10);
  if (end < 0 || (end + 1) % ALIGN !== 0) throw new DeserializationError(`${where}: its COLUMNS header line is cut off or not padded to 8 bytes`);
  if (endianness() !== 'LE') throw new DeserializationError(`${where}: COLUMNS data is little-endian and this machine is not`);
  let columns: ColumnHeader[];
  try {
    columns = (JSON.parse(bytes.toString('utf8', 0, end)) as { columns: ColumnHeader[] }).columns;
  } catch (e) {
    throw new DeserializationError(`${where}: its COLUMNS header cannot be parsed: ${(e as Error).message}`);
  }
  if (!Array.isArray(columns) || !columns.every((c) => typeof c === 'object' && c !== null && typeof c.name === 'string')) {
    throw new DeserializationError(`${where}: its COLUMNS header has no list of named columns`);
  }
  const start = end + 1;
  return Object.fromEntries(
    columns.map((c) => {
      const Type = TYPES[c.type];
      if (Type === undefined) throw new DeserializationError(`${where}: column "${c.name}" has type ${JSON.stringify(c.type)}, not one of ${Object.keys(TYPES).join(', ')}`);
      const at = start + c.offset;
      const size = c.length * Type.BYTES_PER_ELEMENT;
      if (!Number.isSafeInteger(c.length) || c.length < 0 || !Number.isSafeInteger(at) || c.offset < 0 || at + size > bytes.length) throw new DeserializationError(`${where}: column "${c.name}" is cut off`);
      if ((bytes.byteOffset + at) % Type.BYTES_PER_ELEMENT === 0) return [c.name, new Type(bytes.buffer, bytes.byteOffset + at, c.length)];
      const copy = new Type(c.length);
      new Uint8Array(copy.buffer).set(bytes.subarray(at, at + size));
      return [c.name, copy];
    }),
  );
}
