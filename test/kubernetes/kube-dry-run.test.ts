import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { validateKubeObject } from './kube-schema.ts';

const REPO = join(import.meta.dirname, '..', '..');
const root = realpathSync(mkdtempSync(join(tmpdir(), 'berth-kube-dry-')));
after(() => rmSync(root, { recursive: true, force: true }));
const project = join(root, 'projects', 'hello');
cpSync(join(REPO, 'examples', 'hello'), project, { recursive: true });
const envProps = join(project, '.orchest', 'environments', '9a5f2c1e-7d3b-4c8a-b6e0-2f4d8a1c3e57', 'properties.json');
writeFileSync(envProps, JSON.stringify({ ...JSON.parse(readFileSync(envProps, 'utf8')), gpu_support: true }));
const pipelineFile = join(project, 'hello.orchest');
const GET_DATA = '3b1f0c52-8d4e-4e9a-a1c7-5f2e6b9d0a11';
const pipeline = JSON.parse(readFileSync(pipelineFile, 'utf8')) as { steps: Record<string, Record<string, unknown>> };
pipeline.steps[GET_DATA]!.berth_resources = { requests: { cpus: 0.5 }, limits: { cpus: 2, memory: '4g' } };
const ENV = '9a5f2c1e-7d3b-4c8a-b6e0-2f4d8a1c3e57';
(pipeline as { services?: object }).services = {
  lab: { name: 'lab', image: `environment@${ENV}`, command: 'jupyter', args: 'lab --port 8888', ports: [8888], exposed: true, scope: ['interactive'], order: 1, binds: { '/project-dir': '/project-dir' }, berth_volumes: { cache: '/root/.cache' }, berth_resources: { limits: { memory: '2g' } } },
  db: { name: 'db', image: 'postgres:16', ports: [5432], exposed: false, scope: ['interactive', 'noninteractive'], order: 0, berth_restart: 'always' },
  batch: { name: 'batch', image: 'redis:7', ports: [6379], exposed: false, scope: ['noninteractive'] },
};
writeFileSync(pipelineFile, JSON.stringify(pipeline));
const home = join(root, 'home');
const VOLUMES = `${join(root, 'projects')}=berth-projects,${home}=berth-data,${join(REPO, 'src', 'sdk')}=berth-data:sdk`;

function berth(args: string[], env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['bin/berth.ts', ...args], { cwd: REPO, encoding: 'utf8', env: { PATH: process.env.PATH!, HOME: root, BERTH_HOME: home, NO_COLOR: '1', ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

type Obj = { apiVersion: string; kind: string; metadata: { name: string; annotations: Record<string, string> }; spec: any };

describe('berth run --runtime kubernetes --dry-run', () => {
  it('prints one valid Job per step, from the run\'s own specs: images, mounts from the mapped claims, GPUs for gpu_support, the step\'s berth_resources, affinity-free without nodes', async () => {
    const r = berth(['run', join(project, 'hello.orchest'), '--runtime', 'kubernetes', '--dry-run'], { BERTH_KUBE_VOLUMES: VOLUMES, BERTH_KUBE_NAMESPACE: 'ml' });
    assert.equal(r.status, 0, r.stderr);
    const objs = parseAllDocuments(r.stdout).map((d) => d.toJS() as Obj);
    const steps = Object.keys((JSON.parse(readFileSync(join(project, 'hello.orchest'), 'utf8')) as { steps: object }).steps);
    assert.equal(objs.length, steps.length);
    for (const o of objs) {
      await validateKubeObject(o);
      assert.equal(o.kind, 'Job');
      const pod = o.spec.template.spec;
      const container = pod.containers[0];
      assert.match(container.image, /^berth-env\/9a5f2c1e-7d3b-4c8a-b6e0-2f4d8a1c3e57:[0-9a-f]{16}$/);
      // One GPU from the environment's gpu_support; the step's own berth_resources.
      const own = o.metadata.annotations['berth.dev/id']!.endsWith(GET_DATA);
      assert.deepEqual(
        container.resources,
        own ? { requests: { cpu: '500m', 'nvidia.com/gpu': '1' }, limits: { cpu: '2', memory: '4Gi', 'nvidia.com/gpu': '1' } } : { requests: { 'nvidia.com/gpu': '1' }, limits: { 'nvidia.com/gpu': '1' } },
      );
      assert.deepEqual(
        container.volumeMounts.map((m: { mountPath: string; subPath?: string }) => [m.mountPath, m.subPath]),
        [['/project-dir', 'hello'], ['/data', 'data'], ['/berth-run', 'runs/dry-run'], ['/berth-outputs', 'runs/dry-run/outputs'], ['/berth-sdk/python', 'sdk/python']],
      );
      assert.deepEqual(pod.volumes.map((v: { persistentVolumeClaim: { claimName: string } }) => v.persistentVolumeClaim.claimName), ['berth-projects', 'berth-data']);
      assert.equal(pod.automountServiceAccountToken, false);
      assert.equal(o.metadata.name.length <= 63, true);
    }
    assert.match(r.stdout, /nothing was created/);
  });

  it('--job makes the steps noninteractive and adds the noninteractive-scope services first', async () => {
    const r = berth(['run', join(project, 'hello.orchest'), '--runtime', 'kubernetes', '--dry-run', '--job'], { BERTH_KUBE_VOLUMES: VOLUMES });
    assert.equal(r.status, 0, r.stderr);
    const objs = parseAllDocuments(r.stdout).map((d) => d.toJS() as Obj);
    for (const o of objs) await validateKubeObject(o);
    const jobs = objs.filter((o) => o.kind === 'Job');
    const env = jobs[0]!.spec.template.spec.containers[0].env as Array<{ name: string; value: string }>;
    assert.equal(env.find((e) => e.name === 'ORCHEST_SESSION_TYPE')?.value, 'noninteractive');
    assert.deepEqual(objs.filter((o) => o.kind === 'Deployment').map((o) => o.metadata.annotations['owner.berth.dev/service']), ['db', 'batch']);
    assert.equal(jobs.length, 4);
  });

  it('berth session start --runtime kubernetes --dry-run prints each interactive service: Deployment, Services, claims, resources, all valid', async () => {
    const r = berth(['session', 'start', join(project, 'hello.orchest'), '--runtime', 'kubernetes', '--dry-run'], { BERTH_KUBE_VOLUMES: VOLUMES, BERTH_KUBE_NAMESPACE: 'ml' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /2 service\(s\), 7 object\(s\) in namespace ml; nothing was created/);
    const objs = parseAllDocuments(r.stdout).map((d) => d.toJS() as Obj);
    for (const o of objs) await validateKubeObject(o);
    assert.deepEqual(objs.map((o) => [o.kind, o.metadata.annotations?.['owner.berth.dev/service'] ?? o.metadata.name]), [
      ['PersistentVolumeClaim', objs[0]!.metadata.name],
      ['Deployment', 'db'],
      ['Service', objs[2]!.metadata.name],
      ['Service', 'db-dry-run'],
      ['Deployment', 'lab'],
      ['Service', objs[5]!.metadata.name],
      ['Service', 'lab-dry-run'],
    ]);
    const lab = objs[4]!.spec.template.spec;
    assert.match(lab.containers[0].image, new RegExp(`^berth-env/${ENV}:[0-9a-f]{16}$`));
    assert.deepEqual(lab.containers[0].command, ['jupyter', 'lab', '--port', '8888']);
    // 2g limit of its own; one GPU from the environment's gpu_support.
    assert.deepEqual(lab.containers[0].resources, { requests: { 'nvidia.com/gpu': '1' }, limits: { memory: '2Gi', 'nvidia.com/gpu': '1' } });
    assert.deepEqual(lab.containers[0].volumeMounts.map((m: { mountPath: string }) => m.mountPath), ['/project-dir', '/root/.cache']);
    assert.equal(lab.restartPolicy, 'Always');
    assert.equal(objs[1]!.spec.template.spec.containers[0].image, 'postgres:16');
    assert.equal(objs[1]!.spec.template.spec.containers[0].resources, undefined);
    assert.equal((objs[0] as Obj & { spec: { accessModes: string[] } }).spec.accessModes[0], 'ReadWriteMany');
  });

  it('berth service deploy --runtime kubernetes --dry-run prints the project service\'s workload and Service from the store\'s project', async () => {
    const env = { BERTH_KUBE_VOLUMES: VOLUMES };
    assert.equal(berth(['env-var', 'set', '--pipeline', join(project, 'hello.orchest'), 'A', '1'], env).status, 0);
    const def = join(root, 'web.json');
    writeFileSync(def, JSON.stringify({ name: 'web', image: 'python:3.12-slim', command: 'python3', args: '-m http.server 8080', ports: [8080], berth_resources: { requests: { cpus: 0.25 }, limits: { cpus: 1 } } }));
    const r = berth(['service', 'deploy', '--project', 'hello', '--file', def, '--runtime', 'kubernetes', '--dry-run'], env);
    assert.equal(r.status, 0, r.stderr);
    const objs = parseAllDocuments(r.stdout).map((d) => d.toJS() as Obj);
    for (const o of objs) await validateKubeObject(o);
    // A project service restarts always on Kubernetes (ML Lab's policy): a Deployment, never a run-once Job.
    assert.deepEqual(objs.map((o) => o.kind), ['Deployment', 'Service']);
    const container = objs[0]!.spec.template.spec.containers[0];
    // Pods reach Berth through its Service, not Docker's host gateway.
    assert.equal(container.env.find((e: { name: string }) => e.name === 'BERTH_ENDPOINT').value, 'http://berth.berth.svc:7420');
    assert.deepEqual(container.resources, { requests: { cpu: '250m' }, limits: { cpu: '1' } });
    assert.equal(container.env.find((e: { name: string }) => e.name === 'BERTH_API_TOKEN').value, '<project token made by the deploy>');
    const refused = berth(['service', 'deploy', '--project', 'hello', '--file', def, '--dry-run', '--runtime', 'docker'], env);
    assert.equal(refused.status, 2);
    assert.match(refused.stderr, /--runtime kubernetes/);
  });

  it('a project the cluster cannot see, or --dry-run without kubernetes, exits 2 naming the fix', () => {
    const unmapped = berth(['run', join(project, 'hello.orchest'), '--runtime', 'kubernetes', '--dry-run']);
    assert.equal(unmapped.status, 2);
    assert.match(unmapped.stderr, /BERTH_KUBE_VOLUMES/);
    assert.doesNotMatch(unmapped.stderr, /\n\s+at /);
    const session = berth(['session', 'start', join(project, 'hello.orchest'), '--dry-run']);
    assert.equal(session.status, 2);
    assert.match(session.stderr, /--runtime kubernetes/);
    const docker = berth(['run', join(project, 'hello.orchest'), '--dry-run']);
    assert.equal(docker.status, 2);
    assert.match(docker.stderr, /--runtime kubernetes/);
    const bad = berth(['run', join(project, 'hello.orchest'), '--runtime', 'kubernetes', '--dry-run'], { BERTH_KUBE_VOLUMES: 'projects' });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /BERTH_KUBE_VOLUMES=projects is not/);
  });
});
