import assert from 'node:assert/strict';
import type { CliResult, Sandbox } from './berth-cli.ts';
import type { TestServer } from './berth-server.ts';

/**
 * Runs the same CLI command in-process and against a server (BERTH_ENDPOINT) and compares what
 * they print, with ids, times, durations and the state folders normalised.
 */
export function cliModes(box: Sandbox, server: TestServer, remote: () => Record<string, string>) {
  const norm = (text: string) =>
    text
      .replaceAll(server.home, '<HOME>')
      .replaceAll(box.home, '<HOME>')
      .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<UUID>')
      .replace(/\b[0-9a-f]{8}\b/g, '<ID>')
      .replace(/\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d{3}Z)?/g, '<TIME>')
      .replace(/\d+(\.\d+)?(ms|s)\b/g, '<DUR>')
      .replace(/ +/g, ' ');
  /** The command in both modes; `args` gets the mode's own ids (e.g. a run created in that mode). */
  const both = async (args: (ids: { local: string; remote: string }) => string[], ids = { local: '', remote: '' }): Promise<[CliResult, CliResult]> => {
    const local = await box.run(args({ ...ids, remote: ids.local }));
    const far = await box.run(args({ ...ids, local: ids.remote }), { env: remote() });
    return [local, far];
  };
  const same = ([a, b]: [CliResult, CliResult], what: string) => {
    assert.equal(b.code, a.code, `${what}: exit code\nlocal: ${a.stderr}\nremote: ${b.stderr}`);
    assert.equal(norm(b.stdout), norm(a.stdout), `${what}: stdout`);
    assert.equal(norm(b.stderr), norm(a.stderr), `${what}: stderr`);
  };
  return { norm, both, same };
}
