import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
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

type Obj = { apiVersion: string; kind: string; metadata: { name: string; annotations: Record<string, string>; labels: Record<string, string> }; spec: any };

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
    // Owned by this installation, as ManagedDriver labels every workload it starts (a restarted Berth adopts by it).
    for (const o of objs.filter((x) => x.kind !== 'PersistentVolumeClaim')) assert.equal(o.metadata.labels['owner.berth.dev/installation']?.startsWith('h.'), true);
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

  it('berth instance start --runtime kubernetes --dry-run prints the instance\'s Job and Service: its image, command, env, ports, limits, binds from the mapped claims; all valid', async () => {
    const bound = join(home, 'shared');
    mkdirSync(bound, { recursive: true });
    const r = berth(['instance', 'start', '--runtime', 'kubernetes', '--dry-run', '-p', '8000', '--restart', 'on-failure', '--cpus', '0.5', '--memory', '1g', '-e', 'GREETING=hi', '-B', `${bound}:/shared:ro`, 'python:3.12-slim', 'web', 'python3', '-m', 'http.server', '8000'], { BERTH_KUBE_VOLUMES: VOLUMES });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /instance "web", 2 object\(s\) in namespace berth; nothing was created/);
    const objs = parseAllDocuments(r.stdout).map((d) => d.toJS() as Obj);
    for (const o of objs) await validateKubeObject(o);
    assert.deepEqual(objs.map((o) => o.kind), ['Job', 'Service']);
    const container = objs[0]!.spec.template.spec.containers[0];
    assert.equal(container.image, 'python:3.12-slim');
    assert.deepEqual(container.command, ['python3', '-m', 'http.server', '8000']);
    // The image's environment plus what was asked for: nothing of the caller's own.
    assert.deepEqual(container.env, [{ name: 'GREETING', value: 'hi' }, { name: 'BERTH_INSTANCE', value: 'web' }]);
    assert.deepEqual(container.resources, { limits: { cpu: '500m', memory: '1Gi' } });
    assert.deepEqual(container.volumeMounts, [{ name: 'v0', mountPath: '/shared', readOnly: true, subPath: 'shared' }]);
    assert.equal(objs[0]!.metadata.annotations['owner.berth.dev/instance'], 'web');
    assert.deepEqual(objs[1]!.spec.ports, [{ name: 'p8000', port: 8000, targetPort: 8000, protocol: 'TCP' }]);
    // `instance run`: the arguments go to the image's entrypoint.
    const run = berth(['instance', 'run', '--runtime', 'kubernetes', '--dry-run', 'nginx:1.27', 'proxy'], { BERTH_KUBE_VOLUMES: VOLUMES });
    assert.equal(run.status, 0, run.stderr);
    const job = parseAllDocuments(run.stdout).map((d) => d.toJS() as Obj)[0]!;
    await validateKubeObject(job);
    assert.equal(job.spec.template.spec.containers[0].command, undefined);
    // Nothing was started or claimed.
    assert.doesNotMatch(berth(['instance', 'list']).stdout, /\bweb\b/);
    const host = berth(['instance', 'start', '--runtime', 'kubernetes', '--dry-run', 'host', 'web', 'sleep', '1']);
    assert.equal(host.status, 2);
    assert.match(host.stderr, /runs instances from an image, not "host"/);
    const docker = berth(['instance', 'start', '--dry-run', 'python:3.12', 'web']);
    assert.equal(docker.status, 2);
    assert.match(docker.stderr, /--runtime kubernetes/);
  });

  it('berth env build --runtime kubernetes --dry-run prints the builder Job of each environment not pushed yet: the image the steps use, the context from the mapped claim, valid; writes nothing', async () => {
    const env = { BERTH_KUBE_VOLUMES: VOLUMES, BERTH_KUBE_REGISTRY: 'registry.example.com/team', BERTH_KUBE_REGISTRY_SECRET: 'push-creds' };
    const r = berth(['env', 'build', project, '--runtime', 'kubernetes', '--dry-run'], env);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /1 builder Job\(s\) \(kaniko\) in namespace berth; nothing was created/);
    const objs = parseAllDocuments(r.stdout).map((d) => d.toJS() as Obj);
    assert.deepEqual(objs.map((o) => o.kind), ['Job']);
    await validateKubeObject(objs[0]!);
    const image = objs[0]!.metadata.annotations['berth.dev/image']!;
    assert.match(image, new RegExp(`^registry\\.example\\.com/team/berth-env/${ENV}:[0-9a-f]{16}$`));
    const pod = objs[0]!.spec.template.spec;
    assert.ok(pod.containers[0].args.includes(`--destination=${image}`));
    assert.deepEqual(pod.containers[0].volumeMounts[0], { name: 'v0', mountPath: '/workspace', readOnly: true, subPath: `builds/${ENV}/${image.split(':').pop()}.context` });
    assert.deepEqual(pod.volumes, [{ name: 'v0', persistentVolumeClaim: { claimName: 'berth-data' } }, { name: 'push-secret', secret: { secretName: 'push-creds', items: [{ key: '.dockerconfigjson', path: 'config.json' }] } }]);
    // The image a run's dry run names for the steps of that environment is the one this Job pushes.
    const steps = parseAllDocuments(berth(['run', pipelineFile, '--runtime', 'kubernetes', '--dry-run'], env).stdout).map((d) => d.toJS() as Obj);
    assert.equal(steps[0]!.spec.template.spec.containers[0].image, image);
    assert.equal(existsSync(join(home, 'builds', ENV)), false, 'a dry run writes no build context');
    // An image this installation pushed already is not built again.
    mkdirSync(join(home, 'builds', 'pushed'), { recursive: true });
    writeFileSync(join(home, 'builds', 'pushed', `${createHash('sha256').update(image).digest('hex').slice(0, 32)}.json`), JSON.stringify({ image, digest: '', builtOn: null, at: '' }));
    const again = berth(['env', 'build', project, '--runtime', 'kubernetes', '--dry-run'], env);
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /0 builder Job\(s\)/);
    assert.match(again.stdout, new RegExp(`Pushed already \\(not built again\\): .*${image.replace(/[.]/g, '\\.')}`));
    const noRegistry = berth(['env', 'build', project, '--runtime', 'kubernetes', '--dry-run'], { BERTH_KUBE_VOLUMES: VOLUMES });
    assert.equal(noRegistry.status, 2);
    assert.match(noRegistry.stderr, /BERTH_KUBE_REGISTRY/);
    const docker = berth(['env', 'build', project, '--dry-run']);
    assert.equal(docker.status, 2);
    assert.match(docker.stderr, /--runtime kubernetes/);
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
