/** `NAME=value` lines (blank lines and `#` comments skipped) → variables, or the first line that is not one. */
export function parseEnvLines(text: string): { env: Record<string, string> } | { error: string } {
  const env: Record<string, string> = {};
  const lines = text.split('\n');
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) return { error: `Environment variables, line ${i + 1}: write NAME=value, e.g. DATA_DIR=/data` };
    env[line.slice(0, eq).trim()] = line.slice(eq + 1);
  }
  return { env };
}
