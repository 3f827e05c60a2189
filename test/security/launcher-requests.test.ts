import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { findPython } from '../../src/runtimes/process/find-python.ts';
import { Launcher } from '../../src/runtimes/process/launcher-client.ts';

const SCRIPT = fileURLToPath(new URL('../../src/runtimes/process/launcher.py', import.meta.url));
const PYTHON = findPython(process.env.PATH)!;

describe('security: the shared process launcher survives bad requests', () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-launcher-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const request = (id: string, over: Record<string, unknown> = {}) => ({
    id, argv: ['/bin/sh', '-c', 'echo started'], cwd: dir, env: { PATH: process.env.PATH }, log: join(dir, `${id}.log`), exit: join(dir, `${id}.exit`),
    record: { path: join(dir, `${id}.json`), entry: { id } }, ...over,
  });

  it('launcher.py answers each malformed request with an error for that request only and goes on starting workloads', async () => {
    const child = spawn(PYTHON, ['-I', '-S', SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'] });
    const closed = new Promise((r) => child.on('close', r));
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d.toString()));
    const replies: Array<Record<string, unknown>> = [];
    createInterface({ input: child.stdout }).on('line', (l) => replies.push(JSON.parse(l) as Record<string, unknown>));
    const bad = [
      request('eq', { env: { 'A=B': 'x' } }),
      request('nul-value', { env: { A: 'x\u0000y' } }),
      request('nul-name', { env: { 'A\u0000': 'x' } }),
      request('empty-name', { env: { '': 'x' } }),
      request('number-value', { env: { A: 5 } }),
      request('nul-argv', { argv: ['/bin/sh', '-c', 'echo\u0000'] }),
      request('no-argv', { argv: [] }),
      request('no-record', { record: null }),
      { argv: ['true'] },
    ];
    child.stdin.on('error', () => {});
    for (const r of bad) child.stdin.write(`${JSON.stringify(r)}\n`);
    child.stdin.write('this is not json\n');
    child.stdin.write(`${JSON.stringify(request('good'))}\n`);
    for (let i = 0; i < 100 && !replies.some((r) => r.id === 'good' && 'exit' in r); i++) await new Promise((r) => setTimeout(r, 50));
    child.stdin.end();
    await closed;
    assert.equal(stderr, '', 'no traceback');
    const errors = Object.fromEntries(replies.filter((r) => 'error' in r).map((r) => [String(r.id), String(r.error)]));
    for (const id of ['eq', 'nul-value', 'nul-name', 'empty-name', 'number-value', 'nul-argv', 'no-argv', 'no-record']) assert.match(errors[id] ?? '', /invalid launch request/, id);
    assert.match(errors.null ?? '', /invalid launch request/);
    assert.deepEqual(replies.find((r) => r.id === 'good' && 'exit' in r)?.exit, { code: 0, signal: null });
    assert.equal(readFileSync(join(dir, 'good.log'), 'utf8'), 'started\n');
  });

  it('the launcher client refuses a workload whose environment cannot be set, and the next one starts', async () => {
    const launcher = new Launcher(PYTHON, join(dir, 'launcher.log'));
    const spec = (id: string, env: Record<string, string>) => ({ id, image: 'host', command: ['/bin/sh', '-c', 'echo fine'], cwd: dir, env, logPath: join(dir, `${id}.log`), labels: {} }) as never;
    await assert.rejects(launcher.launch(spec('bad', { 'A=B': 'x', PATH: process.env.PATH! }), join(dir, 'bad.exit'), { path: join(dir, 'bad.json'), entry: {} }), /environment variable "A=B" cannot be set/);
    await assert.rejects(launcher.launch(spec('bad2', { A: 'x\u0000' }), join(dir, 'bad2.exit'), { path: join(dir, 'bad2.json'), entry: {} }), /environment variable "A" cannot be set/);
    const ok = await launcher.launch(spec('ok', { PATH: process.env.PATH! }), join(dir, 'ok.exit'), { path: join(dir, 'ok.json'), entry: {} });
    const end = (await ok.exited) ?? assert.fail('the launcher answered no end');
    assert.deepEqual(end.status, { code: 0, signal: null });
    assert.ok(end.at !== undefined && Math.abs(end.at - Date.now()) < 60_000, 'the launcher stamps when it reaped the workload');
    launcher.release();
  });
});
