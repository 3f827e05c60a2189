import { BerthError } from '../errors.ts';

/** Where "run code as a service" takes its code from. */
export type CodeSource =
  | { kind: 'path'; path: string }
  | { kind: 'git'; url: string; ref: string | null; subdirectory: string | null };

/**
 * Parses a service's `code` (pure): a path in the project (a script, or a folder with
 * `__main__.py`), or a git URL in pip's form `git+<url>[@ref][#subdirectory=<dir>]`.
 */
export function parseCodeSource(code: string, field = 'body.code'): CodeSource {
  if (!code.startsWith('git+')) {
    if (code.startsWith('/') || code.split(/[\\/]/).includes('..')) throw invalid(field, `"${code}" is not a path inside the project`, 'give a relative path, e.g. "app/" or "serve.py"');
    return { kind: 'path', path: code };
  }
  const hash = code.indexOf('#');
  const fragment = hash < 0 ? '' : code.slice(hash + 1);
  let url = (hash < 0 ? code : code.slice(0, hash)).slice(4);
  const scheme = /^(https?|ssh|git|file):\/\//.exec(url);
  if (!scheme) throw invalid(field, `"${code}" is not git+<scheme>://…`, 'use e.g. git+https://github.com/org/repo.git@main#subdirectory=app or git+file:///srv/repo');
  let ref: string | null = null;
  const lastSlash = url.lastIndexOf('/');
  const at = url.indexOf('@', lastSlash);
  if (at > scheme[0].length && at > lastSlash) {
    ref = url.slice(at + 1);
    url = url.slice(0, at);
  }
  if (ref !== null && !/^[\w./-]+$/.test(ref)) throw invalid(field, `"${ref}" is not a git ref`, 'use a branch, tag or commit');
  const sub = /(?:^|&)subdirectory=([^&]+)/.exec(fragment)?.[1] ?? null;
  if (sub !== null && (sub.startsWith('/') || sub.split('/').includes('..'))) throw invalid(field, `subdirectory "${sub}" leaves the repository`, 'give a folder inside the repository');
  return { kind: 'git', url, ref, subdirectory: sub };
}

/**
 * The shell program that runs code as a service, in ML Lab's order (pure): fetch the code (git
 * clone into BERTH_CODE_DIR), run `setup.sh`, install `requirements.txt`, then start it with
 * python3 (a folder runs its `__main__.py`). Each stage says what it does in the service log; a
 * failing setup.sh or install is reported and skipped, as ML Lab did. Everything variable comes
 * from the environment (BERTH_CODE_*), never from the script text.
 */
export const RUN_CODE_SCRIPT = [
  'set -u',
  'if [ -n "${BERTH_CODE_GIT:-}" ]; then',
  '  echo "[berth] cloning $BERTH_CODE_GIT${BERTH_CODE_REF:+ at $BERTH_CODE_REF}"',
  '  rm -rf "$BERTH_CODE_DIR" && git clone --quiet "$BERTH_CODE_GIT" "$BERTH_CODE_DIR" || exit 1',
  '  if [ -n "${BERTH_CODE_REF:-}" ]; then git -C "$BERTH_CODE_DIR" checkout --quiet "$BERTH_CODE_REF" || exit 1; fi',
  '  code="$BERTH_CODE_DIR/${BERTH_CODE_SUBDIR:-}"',
  'else',
  '  code="$BERTH_CODE_PATH"',
  'fi',
  'if [ -d "$code" ]; then work="$code"; else work=$(dirname "$code"); fi',
  'cd "$work" || exit 1',
  'if [ -f setup.sh ]; then echo "[berth] running setup.sh"; bash setup.sh || echo "[berth] setup.sh failed (exit $?); continuing"; fi',
  'if [ -f requirements.txt ]; then echo "[berth] installing requirements.txt"; python3 -m pip install --no-cache-dir -r requirements.txt || echo "[berth] installing requirements failed (exit $?); continuing"; fi',
  'echo "[berth] starting $code"',
  'exec python3 "$code"',
].join('\n');

function invalid(path: string, message: string, fix: string): BerthError {
  return new BerthError('BERTH_E_INVALID_ARGUMENT', message, { problems: [{ path, message, fix }] });
}
