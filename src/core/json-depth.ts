import { jsonPath } from './json-path.ts';

/** How deep a JSON document Berth accepts may nest (objects and arrays); a pipeline needs far less. */
export const MAX_JSON_DEPTH = 64;

/**
 * The path (under `root`) where a parsed JSON value nests deeper than `max` levels, or null. The
 * walk uses no recursion, so any document JSON.parse returns can be checked.
 */
export function tooDeepAt(value: unknown, max = MAX_JSON_DEPTH, ...root: string[]): string | null {
  const stack: Array<{ value: unknown; path: Array<string | number> }> = [{ value, path: [] }];
  while (stack.length > 0) {
    const top = stack.pop()!;
    if (top.value === null || typeof top.value !== 'object') continue;
    if (top.path.length >= max) return jsonPath(...root, ...top.path);
    if (Array.isArray(top.value)) top.value.forEach((v, i) => stack.push({ value: v, path: [...top.path, i] }));
    else for (const [k, v] of Object.entries(top.value)) stack.push({ value: v, path: [...top.path, k] });
  }
  return null;
}
