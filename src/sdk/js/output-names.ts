import { DataInvalidNameError } from './sdk-errors.ts';

export const RESERVED_NAME = 'unnamed';
export const MAX_NAME_BYTES = 255;

/**
 * The name as stored in HEAD ("unnamed" for null/undefined). Orchest's rules (a string or nothing, else
 * DataInvalidNameError,
 * "unnamed" reserved, no "; ") plus Berth's: not empty, no control characters, ≤ 255 bytes of UTF-8.
 */
export function checkName(name: unknown): string {
  if (name === null || name === undefined) return RESERVED_NAME;
  if (typeof name !== 'string') throw new DataInvalidNameError(`an output name must be a string or null, not ${typeof name}`);
  if (name === RESERVED_NAME) throw new DataInvalidNameError(`"${RESERVED_NAME}" is reserved for outputs without a name: pass null instead`);
  if (name === '') throw new DataInvalidNameError('an output name must not be empty: pass null for an unnamed output');
  if (name.includes('; ')) throw new DataInvalidNameError(`output name ${JSON.stringify(name)} contains "; ", which separates the fields of the HEAD record: remove it`);
  if (/[\u0000-\u001f\u007f]/.test(name)) throw new DataInvalidNameError(`output name ${JSON.stringify(name)} contains a line break or control character: remove it`);
  const size = Buffer.byteLength(name, 'utf8');
  if (size > MAX_NAME_BYTES) {
    throw new DataInvalidNameError(`output name ${JSON.stringify(name.slice(0, 40))}… is ${size} bytes of UTF-8; the limit is ${MAX_NAME_BYTES}: use a shorter name`);
  }
  return name;
}
