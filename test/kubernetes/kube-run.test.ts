import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { collect, parseJson, pipeline } from '../helpers/berth-cli.ts';
import { eventually } from '../helpers/eventually.ts';
import { FakeKubeApi, podOf, podWith } from './fake-kube-api.ts';

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

/**
 * A whole `berth run --runtime kubernetes` against a local fake API server (the far network edge),
 * whose Job controller and kubelet the test plays: steps become Jobs, their output reaches
 * `berth logs`, the run succeeds. Then a Berth killed mid-run: the next command marks the run
 * FAILURE, finds the Jobs it left by their owner labels, stops their pods and removes them.
 */
describe('berth run --runtime kubernetes against the Kubernetes API', () => {
  const api = new FakeKubeApi();
  const project = join(root, 'project');
  let env: Record<string, string> = {};
  const berthAsync = (args: string[], extra: Record<string, string> = {}) => {
    const child = spawn(process.execPath, ['bin/berth.ts', ...args], { cwd: REPO, env: { ...env, ...extra }, stdio: ['ignore', 'pipe', 'pipe'] });
    return { child, done: collect(child) };
  };
  const stepsPipeline = (name: string, script: string): string => {
    mkdirSync(join(project, 'steps'), { recursive: true });
    writeFileSync(join(project, 'steps', 'step.sh'), script);
    const def = pipeline(name, [{ title: 'First', file: 'steps/step.sh' }, { title: 'Second', file: 'steps/step.sh', parents: ['First'] }]);
    for (const step of Object.values(def.steps as Record<string, Record<string, unknown>>)) step.berth_image = 'busybox:1.36';
    const file = join(project, `${name}.orchest`);
    writeFileSync(file, JSON.stringify(def));
    return file;
  };
  before(async () => {
    const url = await api.start();
    mkdirSync(join(project, '.orchest'), { recursive: true });
    env = { PATH: process.env.PATH!, HOME: root, BERTH_HOME: join(root, 'home'), NO_COLOR: '1', BERTH_STOP_GRACE_SECONDS: '2', KUBECONFIG: api.writeKubeConfig(join(root, 'fake-kubeconfig'), url), BERTH_KUBE_VOLUMES: `${root}=berth-data,${join(REPO, 'src', 'sdk')}=berth-data:sdk` };
  });
  after(() => api.stop());

  it('each step is a Job whose pod runs; its output is the step\'s log; the run succeeds and leaves no Job', { timeout: 120_000 }, async () => {
    api.onCreate = (resource, object) => {
      if (resource !== 'jobs') return;
      const pod = api.emit('MODIFIED', podWith(api.emit('ADDED', podOf(object)), { phase: 'Running', running: true }));
      api.appendLog(pod.metadata!.name!, `ran ${object.metadata!.annotations!['owner.berth.dev/step']}\n`);
      api.emit('MODIFIED', podWith(pod, { phase: 'Succeeded', terminated: { exitCode: 0, reason: 'Completed' } }));
    };
    const file = stepsPipeline('two', 'echo hi\n');
    const { done } = berthAsync(['run', file, '--runtime', 'kubernetes', '--json']);
    const r = await done;
    assert.equal(r.code, 0, r.stderr);
    const report = parseJson(r.stdout) as { run: { uuid: string; status: string; runtime: string } };
    assert.deepEqual([report.run.status, report.run.runtime], ['SUCCESS', 'kubernetes']);
    const created = api.requests.filter((q) => q === 'POST /apis/batch/v1/namespaces/berth/jobs');
    assert.equal(created.length, 2);
    const logs = await berthAsync(['logs', report.run.uuid, 'Second']).done;
    assert.equal(logs.code, 0, logs.stderr);
    assert.match(logs.stdout, /ran 00000000-0000-4000-8000-000000000002/);
    await eventually('the finished steps\' Jobs removed', () => api.all('jobs').length === 0);
  });

  it('a job run: its steps mount the job\'s copy of the project (a snapshot under BERTH_HOME, on the claim), run noninteractive and schedule anywhere', { timeout: 120_000 }, async () => {
    api.emit('ADDED', { metadata: { name: 'node-a', labels: { 'kubernetes.io/hostname': 'node-a' } }, status: { conditions: [{ type: 'Ready', status: 'True' }], images: [{ names: ['docker.io/library/busybox:1.36'] }] } }, 'nodes');
    api.onCreate = (resource, object) => {
      if (resource !== 'jobs') return;
      const pod = api.emit('MODIFIED', podWith(api.emit('ADDED', podOf(object)), { phase: 'Running', running: true }));
      api.emit('MODIFIED', podWith(pod, { phase: 'Succeeded', terminated: { exitCode: 0, reason: 'Completed' } }));
    };
    const file = stepsPipeline('nightly', 'echo hi\n');
    const before = api.created.length;
    const r = await berthAsync(['job', 'create', file, '--name', 'nightly', '--json'], { BERTH_RUNTIME: 'kubernetes' }).done;
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const jobs = api.created.slice(before).filter((o) => o.kind === 'Job');
    assert.equal(jobs.length, 2);
    for (const job of jobs) {
      const pod = job.spec.template.spec;
      const project = pod.containers[0].volumeMounts.find((m: { mountPath: string }) => m.mountPath === '/project-dir');
      assert.match(project.subPath, /^home\/jobs\/[0-9a-f-]{36}\/runs\/[0-9a-f-]{36}$/);
      assert.equal(pod.containers[0].env.find((e: { name: string }) => e.name === 'ORCHEST_SESSION_TYPE').value, 'noninteractive');
      assert.equal(pod.affinity, undefined, 'node-a holds busybox, but job runs schedule anywhere');
    }
  });

  it('berth session start: each service is a Deployment (restart Always) with its Services, as the dry run says; a service never ready stops the session and removes them', { timeout: 120_000 }, async () => {
    api.onCreate = (resource, object) => {
      if (resource === 'jobs' || resource === 'deployments') api.emit('MODIFIED', podWith(api.emit('ADDED', podOf(object)), { phase: 'Running', running: true }));
    };
    const file = stepsPipeline('lab', 'echo hi\n');
    const def = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    def.services = { web: { name: 'web', image: 'python:3.12-slim', command: 'python3', args: '-m http.server 8080', ports: [8080], scope: ['interactive'] } };
    writeFileSync(file, JSON.stringify(def));
    const dry = parseAllDocuments((await berthAsync(['session', 'start', file, '--runtime', 'kubernetes', '--dry-run']).done).stdout).map((d) => d.toJS() as { kind: string });
    const before = api.created.length;
    // Readiness dials the Service's DNS name (web's pod behind b-….berth.svc:8080), which only resolves in a cluster: here it never answers.
    const r = await berthAsync(['session', 'start', file, '--runtime', 'kubernetes', '--timeout', '2'], { BERTH_SESSION_JUPYTER: 'off' }).done;
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /service "web" did not become ready/);
    const created = api.created.slice(before);
    assert.deepEqual(created.map((o) => o.kind), dry.map((o) => o.kind));
    assert.deepEqual(created.map((o) => o.kind), ['Deployment', 'Service', 'Service']);
    assert.equal(created[0]!.spec.template.spec.restartPolicy, 'Always');
    await eventually('the session\'s objects removed', () => api.all('deployments').length === 0 && api.all('services').length === 0);
  });

  it('a Berth killed mid-run (SIGKILL): the next command marks the run FAILURE, stops the pods it left and removes their Jobs', { timeout: 120_000 }, async () => {
    // The pods run until they are deleted.
    api.onCreate = (resource, object) => {
      if (resource === 'jobs') api.emit('MODIFIED', podWith(api.emit('ADDED', podOf(object)), { phase: 'Running', running: true }));
    };
    const deleted: string[] = [];
    api.onPodDelete = (pod) => {
      deleted.push(pod.metadata!.name!);
      api.emit('MODIFIED', podWith(pod, { phase: 'Failed', terminated: { exitCode: 143, reason: 'Error' } }));
      api.emit('DELETED', api.get('pods', pod.metadata!.name!)!);
    };
    const file = stepsPipeline('long', 'sleep 300\n');
    const def = JSON.parse(readFileSync(file, 'utf8')) as { steps: Record<string, { incoming_connections: string[] }> };
    for (const step of Object.values(def.steps)) step.incoming_connections = [];
    writeFileSync(file, JSON.stringify(def));
    const runner = berthAsync(['run', file, '--runtime', 'kubernetes']);
    await eventually('both steps running as Jobs', () => api.all('pods').filter((p) => p.status.phase === 'Running').length === 2, 60_000);
    runner.child.kill('SIGKILL');
    await runner.done;
    assert.equal(api.all('jobs').length, 2, 'the Jobs outlive the killed Berth');
    const runs = await berthAsync(['runs', '--json']).done;
    assert.equal(runs.code, 0, runs.stderr);
    const run = (parseJson(runs.stdout).runs as Array<{ uuid: string; status: string; reason: string; pipeline_name?: string }>).find((x) => x.status !== 'SUCCESS')!;
    assert.equal(run.status, 'FAILURE');
    assert.match(run.reason, /exited before it ended/);
    assert.equal(deleted.length, 2, 'its pods were stopped');
    await eventually('the left Jobs removed', () => api.all('jobs').length === 0);
    const shown = parseJson((await berthAsync(['runs', 'show', run.uuid, '--json']).done).stdout) as { steps: Array<{ status: string }> };
    assert.deepEqual(shown.steps.map((s) => s.status), ['ABORTED', 'ABORTED']);
  });
});
