import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { V1ClusterRole, V1Role } from '@kubernetes/client-node';
import { kubeSettings } from '../../src/config/kube-settings.ts';
import type { WorkloadSpec } from '../../src/runtimes/driver.ts';
import { berthManifests } from '../../src/runtimes/kubernetes/berth-manifests.ts';
import { KubeImageBuilder } from '../../src/runtimes/kubernetes/kube-image-builder.ts';
import { KubernetesDriver } from '../../src/runtimes/kubernetes/kubernetes-driver.ts';
import { eventually } from '../helpers/eventually.ts';
import { FakeKubeApi, podOf, podWith } from './fake-kube-api.ts';
import { validateKubeObject } from './kube-schema.ts';

/**
 * Least privilege, checked rather than claimed: the API answers as RBAC would with exactly the Role
 * and ClusterRole `berth kube manifests` grants Berth's ServiceAccount (403 Forbidden for anything
 * else), while the driver does everything it does — steps (Jobs: start, wait, logs, exec, stop,
 * list, remove), restarting services (Deployments with Services, a session alias, a named volume's
 * claim), node tracking, an environment build — and every request is recorded. Nothing it asks is
 * refused (the grant is enough) and every verb granted was asked for (the grant is no larger).
 * Every object created, as it went over the wire, is validated against the Kubernetes schemas.
 */
const T = { timeout: 30_000 };

describe('berth kube manifests RBAC against what the kubernetes runtime does', () => {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'berth-kube-rbac-')));
  const api = new FakeKubeApi();
  const drivers: KubernetesDriver[] = [];
  after(async () => {
    for (const d of drivers) await d.destroy();
    await api.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('every request is allowed by the Role/ClusterRole, every granted verb is used, every object created is valid against the schemas', T, async () => {
    const manifests = berthManifests({ namespace: 'berth', replicas: 1, image: 'b:1', stepImage: 'python:3-slim', host: 'b.example.org', servicesDomain: 'svc.example.net', dataSize: '20Gi', databaseSecret: 'db', nodeAccess: true });
    const role = manifests.find((o) => o.kind === 'Role') as V1Role;
    const clusterRole = manifests.find((o) => o.kind === 'ClusterRole') as V1ClusterRole;
    api.rbac = { namespace: 'berth', role: role.rules!, clusterRole: clusterRole.rules! };
    const url = await api.start();
    api.emit('ADDED', { metadata: { name: 'node-a', labels: { 'kubernetes.io/hostname': 'node-a' } }, status: { conditions: [{ type: 'Ready', status: 'True' }], images: [{ names: ['docker.io/library/busybox:1.36'] }] } }, 'nodes');
    // The kubelet and controllers: every Job or Deployment gets a pod that runs.
    api.onCreate = (resource, object) => {
      if (resource !== 'jobs' && resource !== 'deployments') return;
      const pod = api.emit('MODIFIED', podWith(api.emit('ADDED', podOf(object)), { phase: 'Running', running: true }));
      api.appendLog(pod.metadata!.name!, 'out\n');
      // A builder Job ends at once, its digest in the termination message.
      if (object.metadata?.labels?.['berth.dev/build']) api.emit('MODIFIED', podWith(pod, { phase: 'Succeeded', terminated: { exitCode: 0, reason: 'Completed', message: `sha256:${'c'.repeat(64)}` } }));
    };
    const home = join(root, 'home');
    mkdirSync(home);
    const settings = kubeSettings({ BERTH_KUBE_NAMESPACE: 'berth', BERTH_KUBE_VOLUMES: `${home}=berth-data`, BERTH_KUBE_REGISTRY: 'registry.example.com/team', BERTH_KUBE_REGISTRY_SECRET: 'push' });
    const driver = new KubernetesDriver({ kubeConfig: api.kubeConfig(url), settings });
    drivers.push(driver);
    await driver.init();
    const base = (id: string, extra: Partial<WorkloadSpec>): WorkloadSpec => ({ id, command: ['sh', '-c', 'serve'], cwd: '', env: {}, labels: { project: 'p1', installation: home }, image: 'busybox:1.36', logPath: join(home, `${id}.log`), ...extra });

    // A step: a Job, run to its end, its exit recorded on the Job.
    const step = await driver.start(base('step-1', { labels: { project: 'p1', run: 'r1', step: 's1', installation: home }, mounts: [{ source: join(home, 'data'), target: '/data' }] }));
    assert.deepEqual(await driver.exec(step, ['true']), { code: 0, stdout: '', stderr: '' });
    for await (const chunk of driver.logs(step)) assert.equal(chunk.data, 'out\n');
    assert.equal((await driver.list({ run: 'r1' })).length, 1);
    await driver.stop(step, { graceMs: 1_000 });
    assert.equal((await driver.wait(step)).code, 143);
    await driver.remove(step);

    // A session service: a Deployment, its Services (one per port, one for the session alias), a named volume's claim.
    const service = await driver.start(base('svc-1', { restart: 'always', ports: [8080], labels: { project: 'p1', session: 'sess1', service: 'web', installation: home }, network: { name: 'n', aliases: ['web-sess1'] }, mounts: [{ source: 'cache', target: '/cache', type: 'volume' }] }));
    assert.equal(api.all('persistentvolumeclaims').length, 1);
    assert.equal(api.all('services').length, 2);
    await driver.stop(service, { graceMs: 1_000 });
    await driver.wait(service);
    await driver.remove(service);

    // An environment image built by a builder Job.
    const builder = new KubeImageBuilder(driver, { settings, build: settings.build!, home, installation: home });
    await builder.build({ tag: 'registry.example.com/team/berth-env/e1:0123456789abcdef', dockerfile: 'FROM busybox\n', files: {}, labels: {}, logPath: join(home, 'builds', 'e1', 'x.log') });
    await eventually('the builder Job removed', () => api.all('jobs').length === 0);

    assert.deepEqual(api.forbidden, [], 'the grant is enough for everything the runtime does');
    // What went over the wire, the Services' owner references and the builder Job included, is valid.
    assert.deepEqual(api.created.map((o) => o.kind).sort(), ['Deployment', 'Job', 'Job', 'PersistentVolumeClaim', 'Service', 'Service']);
    for (const object of api.created) await validateKubeObject(object as { apiVersion: string; kind: string });
    const granted = [...role.rules!, ...clusterRole.rules!].flatMap((r) => r.resources!.flatMap((res) => r.verbs.map((v) => `${r.apiGroups![0]}/${res}:${v}`)));
    assert.deepEqual(granted.filter((g) => !api.used.has(g)), [], 'every verb granted is used');
  });
});
