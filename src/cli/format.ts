import { stripVTControlCharacters, styleText } from 'node:util';

type Color = 'green' | 'red' | 'yellow' | 'gray' | 'bold' | 'cyan';

/** Colours only when the stream is a terminal and colour is allowed. */
export function paint(enabled: boolean) {
  return (color: Color, text: string): string => (enabled ? styleText(color, text) : text);
}

/** Left-aligned columns separated by at least two spaces, measured by visible width (colour codes do not count). */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(visibleLength(h), ...rows.map((r) => visibleLength(r[i] ?? ''))));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c + ' '.repeat(widths[i]! - visibleLength(c)))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

function visibleLength(text: string): number {
  return stripVTControlCharacters(text).length;
}

/** The shortest prefixes (at least `min` characters) that tell the ids apart. */
export function shortIds(ids: string[], min = 8): string[] {
  return ids.map((id) => {
    let n = Math.min(min, id.length);
    while (n < id.length && ids.some((other) => other !== id && other.startsWith(id.slice(0, n)))) n++;
    return id.slice(0, n);
  });
}

export function duration(start: string | null, end: string | null): string {
  if (!start) return '-';
  const ms = (end ? Date.parse(end) : Date.now()) - Date.parse(start);
  if (ms < 1000) return `${ms}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  return `${Math.floor(ms / 60_000)}m${Math.round((ms % 60_000) / 1000)}s`;
}

export function statusColor(status: string): Color {
  return status === 'SUCCESS' ? 'green' : status === 'FAILURE' ? 'red' : status === 'ABORTED' ? 'yellow' : 'cyan';
}
