/** A JSON object as parsed from a file: not null, not an array. */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** "a string", "an array", "null"…: the JSON type of a value, for messages such as "must be a number, not a string". */
export function describeJsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string':
      return 'a string';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'a boolean';
    case 'object':
      return 'an object';
    case 'undefined':
      return 'missing';
    default:
      return `a ${typeof value}`;
  }
}

/** "is missing" when the value is absent, otherwise "must be <expected>, not <its type>". */
export function wrongType(value: unknown, expected: string): string {
  return value === undefined ? 'is missing' : `must be ${expected}, not ${describeJsonType(value)}`;
}
