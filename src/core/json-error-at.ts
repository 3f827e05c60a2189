export interface JsonErrorAt {
  message: string;
  /** 1-based; null when the parser did not say where. */
  line: number | null;
  column: number | null;
}

/** Where a JSON.parse error is: from V8's "(line L column C)" or "position N", or the end for a truncated text. */
export function jsonErrorAt(text: string, message: string): JsonErrorAt {
  const clean = message.replace(/\s*\(line \d+ column \d+\)/, '').replace(/ in JSON at position \d+/, '');
  const lc = /\(line (\d+) column (\d+)\)/.exec(message);
  if (lc) return { message: clean, line: Number(lc[1]), column: Number(lc[2]) };
  const pos = /position (\d+)/.exec(message);
  const offset = pos ? Number(pos[1]) : /end of JSON input/.test(message) ? text.length : null;
  if (offset === null) return { message: clean, line: null, column: null };
  const before = text.slice(0, offset).split('\n');
  return { message: clean, line: before.length, column: before[before.length - 1]!.length + 1 };
}
