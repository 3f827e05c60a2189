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

  it('--job makes the steps noninteractive', () => {
    const r = berth(['run', join(project, 'hello.orchest'), '--runtime', 'kubernetes', '--dry-run', '--job'], { BERTH_KUBE_VOLUMES: VOLUMES });
    assert.equal(r.status, 0, r.stderr);
    const env = (parseAllDocuments(r.stdout)[0]!.toJS() as Obj).spec.template.spec.containers[0].env as Array<{ name: string; value: string }>;
    assert.equal(env.find((e) => e.name === 'ORCHEST_SESSION_TYPE')?.value, 'noninteractive');
  });

  it('a project the cluster cannot see, or --dry-run without kubernetes, exits 2 naming the fix', () => {
    const unmapped = berth(['run', join(project, 'hello.orchest'), '--runtime', 'kubernetes', '--dry-run']);
    assert.equal(unmapped.status, 2);
    assert.match(unmapped.stderr, /BERTH_KUBE_VOLUMES/);
    assert.doesNotMatch(unmapped.stderr, /\n\s+at /);
    const docker = berth(['run', join(project, 'hello.orchest'), '--dry-run']);
    assert.equal(docker.status, 2);
    assert.match(docker.stderr, /--runtime kubernetes/);
    const bad = berth(['run', join(project, 'hello.orchest'), '--runtime', 'kubernetes', '--dry-run'], { BERTH_KUBE_VOLUMES: 'projects' });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /BERTH_KUBE_VOLUMES=projects is not/);
  });
});
