import { parse } from 'shell-quote';

/**
 * Splits a command line into words the way a POSIX shell would (quotes, escapes), without running
 * a shell: `$VARS` stay literal and globs are kept as written. Operators (`|`, `&&`, `>` …) are not
 * allowed, since no shell runs them. Returns the reason when the text cannot be split.
 */
export function splitShellWords(text: string): { ok: true; words: string[] } | { ok: false; reason: string } {
  const open = unclosedQuote(text);
  if (open) return { ok: false, reason: `a ${open} quote is not closed` };
  const words: string[] = [];
  for (const entry of parse(text, (key) => `$${key}`)) {
    if (typeof entry === 'string') words.push(entry);
    else if ('pattern' in entry) words.push(entry.pattern);
    else if ('comment' in entry) break;
    else return { ok: false, reason: `"${entry.op}" is a shell operator and no shell runs the arguments` };
  }
  return { ok: true, words };
}

/** shell-quote reads an unclosed quote to the end; a shell would refuse it, and so do we. */
function unclosedQuote(text: string): string | null {
  let quote: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote === "'") {
      if (c === "'") quote = null;
    } else if (c === '\\') i++;
    else if (quote === '"') {
      if (c === '"') quote = null;
    } else if (c === "'" || c === '"') quote = c;
  }
  return quote === "'" ? 'single' : quote === '"' ? 'double' : null;
}

const SHELLS = new Set(['sh', 'bash', 'dash', 'zsh', 'ash']);
/** Builtins and keywords: never looked up on PATH. */
const BUILTINS = new Set(['cd', 'umask', 'export', 'echo', 'set', 'source', '.', 'test', '[', 'true', 'false', 'printf', 'read', 'eval', 'exit', 'trap', 'wait', 'unset', 'ulimit', 'if', 'then', 'else', 'elif', 'fi', 'for', 'while', 'do', 'done', 'case', 'esac', 'function', '{', '}', '!', 'time', 'command', 'shift', 'local', 'return', ':']);

/**
 * The programs a `sh|bash … -c SCRIPT` command line runs: the first word of each simple command of
 * SCRIPT (after `&&`, `||`, `;`, `|`), past variable assignments and `exec`, builtins left out.
 * Empty when the command is not a shell with -c. Pure.
 */
export function shellScriptPrograms(command: string, args: string[]): string[] {
  if (!SHELLS.has(command.split('/').pop() ?? '')) return [];
  const c = args.indexOf('-c');
  const script = c >= 0 ? args[c + 1] : undefined;
  if (script === undefined) return [];
  const programs: string[] = [];
  let expectCommand = true;
  for (const entry of parse(script, (key) => `$${key}`)) {
    if (typeof entry !== 'string') {
      expectCommand = 'op' in entry && ['&&', '||', ';', '|', '&', '(', ')', ';;'].includes(entry.op);
      continue;
    }
    if (!expectCommand) continue;
    if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(entry) || entry === 'exec') continue;
    expectCommand = false;
    if (!BUILTINS.has(entry) && !entry.startsWith('$')) programs.push(entry);
  }
  return [...new Set(programs)];
}
