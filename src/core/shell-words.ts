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
