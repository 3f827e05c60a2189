import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { isBerthError } from '../../src/errors.ts';
import type { WorkloadSpec } from '../../src/runtimes/driver.ts';
import { KubernetesDriver } from '../../src/runtimes/kubernetes/kubernetes-driver.ts';
import { kubeSettings } from '../../src/config/kube-settings.ts';
import { eventually } from '../helpers/eventually.ts';
import { type FakeKubeApi, type KubeObject, freshKubeApiPerTest, podOf, podWith } from './fake-kube-api.ts';

/**
 * Restarting workloads (Deployments) on recorded watch-event sequences, written from the Kubernetes
 * API reference (Deployment status and conditions, ReplicaSet ReplicaFailure, Pod lifecycle,
 * node-pressure and taint-based eviction, 410 Gone). The driver watches Berth's Deployments as well
 * as their pods, through the real client's informers: the controller's ReplicaFailure (a pod the API
 * refuses to create) and a Deployment deleted while it has no pod are seen, which pods alone never show.
 */
const T = { timeout: 20_000 };
const settings = kubeSettings({ BERTH_KUBE_NAMESPACE: 'berth' });

/** The Deployment's status as the Deployment controller writes it. */
function deploymentStatus(d: KubeObject, s: { ready: number; conditions: object[] }): KubeObject {
  const replicas = d.spec.replicas ?? 1;
  return { ...d, status: { observedGeneration: 1, replicas, updatedReplicas: replicas, readyReplicas: s.ready, availableReplicas: s.ready, unavailableReplicas: replicas - s.ready, conditions: s.conditions } };
}
const progressing = { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', message: 'ReplicaSet is progressing.' };
const unavailable = { type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.' };
const available = { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' };

describe('KubernetesDriver: Deployments on recorded watch events', () => {
  let root = '';
  const drivers: KubernetesDriver[] = [];
  const fake = freshKubeApiPerTest(drivers, { beforeEach, after });
  let api: FakeKubeApi;
  const driver = async (): Promise<KubernetesDriver> => {
    const d = new KubernetesDriver({ kubeConfig: api.kubeConfig(fake.url), settings });
    drivers.push(d);
    await d.init();
    return d;
  };
  let n = 0;
  const spec = (extra: Partial<WorkloadSpec> = {}): WorkloadSpec => {
    const id = `svc-${++n}`;
    return { id, command: ['server'], cwd: '', env: {}, labels: { project: 'p1', session: 's1', service: id }, image: 'busybox:1.36', restart: 'always', ports: [8080], logPath: join(root, `${id}.log`), ...extra };
  };
  /** Plays the Deployment and ReplicaSet controllers: progressing, then `then(deployment)`. */
  const onDeployment = (then: (deployment: KubeObject) => void): void => {
    api.onCreate = (resource, object) => {
      if (resource !== 'deployments') return;
      then(api.emit('MODIFIED', deploymentStatus(object, { ready: 0, conditions: [unavailable, progressing] }), 'deployments'));
    };
  };
  /** A pod of the Deployment that reaches Running, and the Deployment available. */
  const runPod = (deployment: KubeObject, suffix = 'a1b2c', node = 'node-a'): KubeObject => {
    const pod = api.emit('ADDED', { ...podOf(deployment, suffix), spec: { ...podOf(deployment, suffix).spec, nodeName: node } });
    const running = api.emit('MODIFIED', podWith(pod, { phase: 'Running', running: true }));
    api.emit('MODIFIED', deploymentStatus(api.get('deployments', deployment.metadata!.name!)!, { ready: 1, conditions: [available, { ...progressing, reason: 'NewReplicaSetAvailable' }] }), 'deployments');
    return running;
  };
  const stillWaiting = async (p: Promise<unknown>): Promise<boolean> => (await Promise.race([p.then(() => 'ended'), new Promise((r) => setTimeout(() => r('waiting'), 200))])) === 'waiting';

  before(() => {
    root = realpathSync(mkdtempSync(join(tmpdir(), 'berth-kube-deploy-')));
  });
  beforeEach(() => {
    api = fake.api;
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('ADDED → Progressing → pod Running → Available: start returns; the Deployment comes from one list and a watch, never read per event', T, async () => {
    onDeployment((d) => {
      const pod = runPod(d);
      api.appendLog(pod.metadata!.name!, 'listening on 8080\n');
    });
    const d = await driver();
    const s = spec();
    const handle = await d.start(s);
    const name = handle.state.name as string;
    assert.equal(handle.state.kind, 'deployment');
    assert.equal(await d.isRunning(handle), true);
    const waiting = d.wait(handle);
    // Pods and the Deployment change while it runs: the wait stays, and reads nothing.
    const pod = api.all('pods')[0]!;
    api.emit('MODIFIED', { ...pod, status: { ...pod.status, conditions: [{ type: 'Ready', status: 'True' }] } });
    api.emit('MODIFIED', { ...api.get('deployments', name)!, metadata: { ...api.get('deployments', name)!.metadata, annotations: { ...api.get('deployments', name)!.metadata!.annotations, touched: '1' } } }, 'deployments');
    assert.equal(await stillWaiting(waiting), true);
    await d.stop(handle, { graceMs: 1_000 });
    assert.equal((await waiting).code, 143);
    assert.equal(readFileSync(s.logPath, 'utf8'), 'listening on 8080\n');
    const lists = api.requests.filter((r) => r.startsWith('GET /apis/apps/v1/namespaces/berth/deployments?') && !r.includes('watch=true'));
    assert.equal(lists.length, 1);
    assert.ok(api.requests.some((r) => r.startsWith('GET /apis/apps/v1/namespaces/berth/deployments?') && r.includes('watch=true')));
    // The one read is start's "does it exist already" (adoption), before the create.
    assert.equal(api.requests.filter((r) => r === `GET /apis/apps/v1/namespaces/berth/deployments/${name}`).length, 1);
  });

  it('a pod the API refuses (ReplicaFailure FailedCreate: exceeded quota) fails the start with the controller\'s message, and removes the Deployment', T, async () => {
    const message = 'pods "x" is forbidden: exceeded quota: compute, requested: limits.memory=4Gi, used: limits.memory=8Gi, limited: limits.memory=10Gi';
    onDeployment((d) => {
      api.emit('MODIFIED', deploymentStatus(d, { ready: 0, conditions: [unavailable, progressing, { type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate', message }] }), 'deployments');
    });
    const d = await driver();
    const s = spec({ limits: { memoryBytes: 4 * 2 ** 30 } });
    await assert.rejects(d.start(s), (e: unknown) => {
      assert.ok(isBerthError(e));
      assert.equal(e.code, 'BERTH_E_DRIVER');
      assert.match(e.message, /refuses to create its pod \(FailedCreate: pods "x" is forbidden: exceeded quota/);
      assert.equal(e.problems?.[0]?.path, 'berth_resources');
      return true;
    });
    assert.deepEqual(api.all('deployments'), []);
    assert.deepEqual(api.all('services'), []);
  });

  it('ImagePullBackOff on the Deployment\'s pod fails the start with BERTH_E_IMAGE_NOT_FOUND and removes it', T, async () => {
    onDeployment((d) => {
      const pod = api.emit('ADDED', podOf(d));
      api.emit('MODIFIED', podWith(pod, { phase: 'Pending', waiting: { reason: 'ErrImagePull', message: 'failed to pull image "nope:2": not found' } }));
      api.emit('MODIFIED', podWith(api.all('pods')[0]!, { phase: 'Pending', waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "nope:2"' } }));
    });
    const d = await driver();
    await assert.rejects(d.start(spec({ image: 'nope:2' })), (e: unknown) => isBerthError(e) && e.code === 'BERTH_E_IMAGE_NOT_FOUND' && e.message.includes('"nope:2"'));
    assert.deepEqual(api.all('deployments'), []);
  });

  it('OOMKilled: the kubelet restarts the container (CrashLoopBackOff, then Running): the wait goes on, the restart shows in isRunning', T, async () => {
    onDeployment((d) => runPod(d));
    const d = await driver();
    const handle = await d.start(spec({ limits: { memoryBytes: 2 ** 28 } }));
    const waiting = d.wait(handle);
    const pod = api.all('pods')[0]!;
    const status0 = pod.status.containerStatuses[0];
    const oom = { terminated: { exitCode: 137, reason: 'OOMKilled', startedAt: new Date().toISOString(), finishedAt: new Date().toISOString() } };
    const backoff = api.emit('MODIFIED', { ...pod, status: { ...pod.status, containerStatuses: [{ ...status0, ready: false, restartCount: 1, state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 10s restarting failed container' } }, lastState: oom }] } });
    await eventually('the crashed container not running', async () => !(await d.isRunning(handle)));
    assert.equal(await stillWaiting(waiting), true);
    api.emit('MODIFIED', { ...backoff, status: { ...backoff.status, containerStatuses: [{ ...backoff.status.containerStatuses[0], ready: true, state: { running: { startedAt: new Date().toISOString() } } }] } });
    await eventually('the restarted container running', () => d.isRunning(handle));
    assert.equal(await stillWaiting(waiting), true);
    await d.stop(handle, { graceMs: 1_000 });
    assert.equal((await waiting).code, 143);
  });

  it('node loss and eviction replace the pod: the wait goes on and each new pod\'s output is appended to the log', T, async () => {
    onDeployment((dep) => {
      const pod = runPod(dep, 'first', 'node-a');
      api.appendLog(pod.metadata!.name!, 'on node-a\n');
    });
    const d = await driver();
    const s = spec();
    const handle = await d.start(s);
    const name = handle.state.name as string;
    const waiting = d.wait(handle);
    // node-a stops answering: the taint manager marks the pod and deletes it; the ReplicaSet makes another on node-b.
    let first = api.all('pods')[0]!;
    first = api.emit('MODIFIED', {
      ...first,
      metadata: { ...first.metadata, deletionTimestamp: new Date().toISOString() },
      status: { ...first.status, conditions: [{ type: 'Ready', status: 'False' }, { type: 'DisruptionTarget', status: 'True', reason: 'DeletionByTaintManager', message: 'Taint manager: deleting due to NoExecute taint' }] },
    });
    api.emit('DELETED', first);
    const second = runPod(api.get('deployments', name)!, 'second', 'node-b');
    api.appendLog(second.metadata!.name!, 'on node-b\n');
    await eventually('node-b\'s output in the log', () => readFileSync(s.logPath, 'utf8').includes('on node-b'));
    assert.equal(await stillWaiting(waiting), true);
    // node-b runs short of memory: the kubelet evicts the pod (phase Failed, reason Evicted); another replaces it.
    const message = 'The node was low on resource: memory.';
    api.emit('MODIFIED', podWith(api.get('pods', second.metadata!.name!)!, { phase: 'Failed', reason: 'Evicted', message, conditions: [{ type: 'DisruptionTarget', status: 'True', reason: 'TerminationByKubelet', message }] }));
    const third = runPod(api.get('deployments', name)!, 'third', 'node-c');
    api.appendLog(third.metadata!.name!, 'on node-c\n');
    await eventually('node-c\'s output in the log', () => readFileSync(s.logPath, 'utf8').includes('on node-c'));
    assert.equal(await stillWaiting(waiting), true);
    assert.equal(await d.isRunning(handle), true);
    await d.stop(handle, { graceMs: 1_000 });
    await waiting;
    assert.equal(readFileSync(s.logPath, 'utf8'), 'on node-a\non node-b\non node-c\n');
  });

  it('a Deployment deleted behind Berth\'s back while it has no pod (evicted, its replacement refused) ends the wait: only the Deployment watch says so', T, async () => {
    onDeployment((dep) => runPod(dep));
    const d = await driver();
    const handle = await d.start(spec());
    const name = handle.state.name as string;
    const waiting = d.wait(handle);
    const pod = api.all('pods')[0]!;
    api.emit('MODIFIED', podWith(pod, { phase: 'Failed', reason: 'Evicted', message: 'The node was low on resource: ephemeral-storage.' }));
    api.emit('DELETED', api.get('pods', pod.metadata!.name!)!);
    api.emit('MODIFIED', deploymentStatus(api.get('deployments', name)!, { ready: 0, conditions: [unavailable, { type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate', message: 'exceeded quota' }] }), 'deployments');
    assert.equal(await stillWaiting(waiting), true);
    // kubectl delete deployment: no pod exists, so no pod event follows.
    api.emit('DELETED', api.get('deployments', name)!, 'deployments');
    const exit = await waiting;
    assert.equal(exit.code, null);
    assert.match(exit.reason ?? '', /evicted|vanished/);
  });

  it('a Deployment watch that expires with 410 Gone is re-listed: a scale to 0 and the pod\'s end while it was down are seen', T, async () => {
    onDeployment((dep) => runPod(dep));
    const d = await driver();
    const handle = await d.start(spec());
    const name = handle.state.name as string;
    const waiting = d.wait(handle);
    const lists = (): number => api.requests.filter((r) => r.startsWith('GET /apis/apps/v1/namespaces/berth/deployments?') && !r.includes('watch=true')).length;
    assert.equal(lists(), 1);
    const deployment = api.get('deployments', name)!;
    api.setQuietly('deployments', { ...deployment, spec: { ...deployment.spec, replicas: 0 } });
    api.setQuietly('pods', podWith(api.all('pods')[0]!, { phase: 'Failed', terminated: { exitCode: 0, reason: 'Completed' } }));
    api.expireWatches();
    assert.deepEqual(await waiting, { code: 0, signal: null });
    assert.equal(lists(), 2);
  });
});
