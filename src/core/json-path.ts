/** The path of the whole document, for problems that are not about one field. */
export const ROOT_PATH = '(root)';

const PLAIN_KEY = /^[A-Za-z0-9_-]+$/;

/**
 * Builds the JSON path a Problem points at: `steps.<uuid>.file_path`, `services.redis.ports[0]`.
 * Keys that are not plain words (a bind such as `/data`, an env var name with a space) are quoted:
 * `services.db.binds["/data"]`.
 */
export function jsonPath(...segments: ReadonlyArray<string | number>): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (PLAIN_KEY.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out === '' ? ROOT_PATH : out;
}
