import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';

const REPO = join(import.meta.dirname, '..', '..');
const root = realpathSync(mkdtempSync(join(tmpdir(), 'berth-kube-run-')));
after(() => rmSync(root, { recursive: true, force: true }));

function berth(args: string[], env: Record<string, string>): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['bin/berth.ts', ...args], { cwd: REPO, encoding: 'utf8', timeout: 60_000, env: { PATH: process.env.PATH!, HOME: root, BERTH_HOME: join(root, 'home'), NO_COLOR: '1', ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('berth run --runtime kubernetes without a reachable cluster', () => {
  it('the run fails at once, is recorded as a kubernetes run, and says which API did not answer', () => {
    const kubeconfig = join(root, 'kubeconfig');
    writeFileSync(kubeconfig, JSON.stringify({
      apiVersion: 'v1', kind: 'Config', 'current-context': 'dead',
      clusters: [{ name: 'dead', cluster: { server: 'http://127.0.0.1:9', 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'u', user: { token: 't' } }],
      contexts: [{ name: 'dead', context: { cluster: 'dead', user: 'u' } }],
    }));
    const r = berth(['run', 'examples/hello/hello.orchest', '--runtime', 'kubernetes', '--json'], { KUBECONFIG: kubeconfig });
    assert.equal(r.status, 1, r.stderr);
    const report = JSON.parse(r.stdout) as { run: { status: string; runtime: string; reason: string } };
    assert.equal(report.run.status, 'FAILURE');
    assert.equal(report.run.runtime, 'kubernetes');
    assert.match(report.run.reason, /cannot reach the Kubernetes API at http:\/\/127\.0\.0\.1:9/);
  });

  it('no kubeconfig anywhere is a coded error naming KUBECONFIG, not a request to localhost:8080', () => {
    const r = berth(['run', 'examples/hello/hello.orchest', '--runtime', 'kubernetes', '--json'], {});
    assert.notEqual(r.status, 0);
    const text = r.stdout + r.stderr;
    assert.match(text, /no Kubernetes cluster is configured/);
    assert.doesNotMatch(text, /localhost:8080/);
  });
});
