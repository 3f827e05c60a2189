import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { isBerthError } from '../../src/errors.ts';
import type { WorkloadHandle, WorkloadSpec } from '../../src/runtimes/driver.ts';
import { KubernetesDriver } from '../../src/runtimes/kubernetes/kubernetes-driver.ts';
import { kubeSettings } from '../../src/config/kube-settings.ts';
import { FakeKubeApi, type KubeObject, podOf, podWith } from './fake-kube-api.ts';

/**
 * The driver's state machine on recorded watch-event sequences. Each sequence is what the
 * Kubernetes API reference (Pod lifecycle, container states, node-pressure eviction, taint-based
 * eviction, API concepts: efficient detection of changes / 410 Gone) says a watch delivers; the
 * events go through the real client's list and watch code (its informer over HTTP) to the driver.
 */
const T = { timeout: 20_000 };
const settings = kubeSettings({ BERTH_KUBE_NAMESPACE: 'berth' });

describe('KubernetesDriver on recorded watch events', () => {
  let api: FakeKubeApi;
  let url = '';
  let root = '';
  const drivers: KubernetesDriver[] = [];
  const driver = async (): Promise<KubernetesDriver> => {
    const d = new KubernetesDriver({ kubeConfig: api.kubeConfig(url), settings });
    drivers.push(d);
    await d.init();
    return d;
  };
  let n = 0;
  const spec = (extra: Partial<WorkloadSpec> = {}): WorkloadSpec => {
    const id = `wl-${++n}`;
    return { id, command: ['sh', '-c', 'echo hi'], cwd: '/tmp', env: { PATH: '/bin' }, labels: { project: 'p1', run: 'r1', step: id, installation: '/home/u/.berth' }, image: 'busybox:1.36', logPath: join(root, `${id}.log`), ...extra };
  };
  /** Plays the Job controller and kubelet: a pod for every Job, then `then(pod)` for what happens next. */
  const onJob = (then: (pod: KubeObject) => void): void => {
    api.onCreate = (resource, object) => {
      if (resource !== 'jobs' && resource !== 'deployments') return;
      const pod = api.emit('ADDED', podOf(object));
      then(pod);
    };
  };
  const running = (pod: KubeObject): KubeObject => api.emit('MODIFIED', podWith(pod, { phase: 'Running', running: true }));

  before(async () => {
    root = realpathSync(mkdtempSync(join(tmpdir(), 'berth-kube-')));
  });
  beforeEach(async () => {
    for (const d of drivers.splice(0)) await d.destroy();
    await api?.stop();
    api = new FakeKubeApi();
    url = await api.start();
  });
  after(async () => {
    for (const d of drivers.splice(0)) await d.destroy();
    await api?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('Pending → Running → Succeeded: start returns once it runs, wait gets 0, the log is copied, the exit is recorded on the Job', T, async () => {
    onJob((pod) => {
      running(pod);
      api.appendLog(pod.metadata!.name!, 'hello from the pod\n');
    });
    const d = await driver();
    const s = spec();
    const handle = await d.start(s);
    assert.equal(handle.driver, 'kubernetes');
    assert.equal(handle.id, s.id);
    assert.deepEqual(handle.labels, s.labels);
    assert.equal(await d.isRunning(handle), true);
    const [pod] = api.all('pods');
    api.emit('MODIFIED', podWith(pod!, { phase: 'Succeeded', terminated: { exitCode: 0, reason: 'Completed' } }));
    api.endLog(pod!.metadata!.name!);
    assert.deepEqual(await d.wait(handle), { code: 0, signal: null });
    assert.equal(readFileSync(s.logPath, 'utf8'), 'hello from the pod\n');
    assert.equal(await d.isRunning(handle), false);
    assert.deepEqual(JSON.parse(api.get('jobs', handle.state.name as string)!.metadata!.annotations!['berth.dev/exit']!), { code: 0, signal: null });
    // Status came from one list and one watch, never from polling the pod.
    assert.equal(api.requests.filter((r) => r.startsWith('GET /api/v1/namespaces/berth/pods?') && !r.includes('watch=true')).length, 1);
    assert.equal(api.requests.filter((r) => /^GET \/api\/v1\/namespaces\/berth\/pods\/[^/?]+$/.test(r)).length, 0);
  });

  it('Failed with exit code 3 is code 3', T, async () => {
    onJob((pod) => running(pod));
    const d = await driver();
    const handle = await d.start(spec());
    const waiting = d.wait(handle);
    api.emit('MODIFIED', podWith(api.all('pods')[0]!, { phase: 'Failed', terminated: { exitCode: 3, reason: 'Error' } }));
    assert.deepEqual(await waiting, { code: 3, signal: null });
  });

  it('ImagePullBackOff fails the start with BERTH_E_IMAGE_NOT_FOUND naming the image, and removes the Job', T, async () => {
    onJob((pod) => {
      api.emit('MODIFIED', podWith(pod, { phase: 'Pending', waiting: { reason: 'ErrImagePull', message: 'rpc error: code = NotFound desc = failed to pull and unpack image "docker.io/library/nope:1"' } }));
    });
    const d = await driver();
    const s = spec({ image: 'nope:1' });
    await assert.rejects(d.start(s), (e: unknown) => isBerthError(e) && e.code === 'BERTH_E_IMAGE_NOT_FOUND' && e.message.includes('"nope:1"') && e.message.includes('ErrImagePull'));
    assert.deepEqual(api.all('jobs'), []);
    assert.deepEqual(await d.list({ run: 'r1' }), []);
  });

  it('a command the container runtime cannot exec (StartError) is exit 127 and the log names it', T, async () => {
    const message = 'failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: "berth-no-such-program": executable file not found in $PATH: unknown';
    onJob((pod) => api.emit('MODIFIED', podWith(pod, { phase: 'Failed', terminated: { exitCode: 128, reason: 'StartError', message } })));
    const d = await driver();
    const s = spec({ command: ['berth-no-such-program', '--flag'] });
    const handle = await d.start(s);
    const exit = await d.wait(handle);
    assert.equal(exit.code, 127);
    assert.match(readFileSync(s.logPath, 'utf8'), /berth-no-such-program/);
    await d.wait(handle);
    assert.equal(readFileSync(s.logPath, 'utf8').match(/berth-no-such-program/g)?.length, 1);
  });

  it('OOMKilled is exit 137 with the reason', T, async () => {
    onJob((pod) => running(pod));
    const d = await driver();
    const handle = await d.start(spec());
    api.emit('MODIFIED', podWith(api.all('pods')[0]!, { phase: 'Failed', terminated: { exitCode: 137, reason: 'OOMKilled' } }));
    assert.deepEqual(await d.wait(handle), { code: 137, signal: null, reason: 'OOMKilled: the container used more memory than its limit' });
  });

  it('an eviction (phase Failed, reason Evicted, no container end) ends the wait with the kubelet message', T, async () => {
    onJob((pod) => running(pod));
    const d = await driver();
    const handle = await d.start(spec());
    const message = 'The node was low on resource: memory. Threshold quantity: 100Mi, available: 91Mi.';
    api.emit('MODIFIED', podWith(api.all('pods')[0]!, { phase: 'Failed', reason: 'Evicted', message, conditions: [{ type: 'DisruptionTarget', status: 'True', reason: 'TerminationByKubelet', message }] }));
    assert.deepEqual(await d.wait(handle), { code: null, signal: null, reason: `evicted: ${message}` });
  });

  it('node loss: Ready Unknown, then the taint manager marks and deletes the pod: the wait ends naming the node', T, async () => {
    onJob((pod) => running(pod));
    const d = await driver();
    const handle = await d.start(spec());
    let pod = api.all('pods')[0]!;
    const waiting = d.wait(handle);
    // The node stops reporting: the node lifecycle controller sets Ready=Unknown (the pod still says Running).
    pod = api.emit('MODIFIED', { ...pod, status: { ...pod.status, conditions: [{ type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown' }] } });
    assert.equal(await Promise.race([waiting.then(() => 'ended'), new Promise((r) => setTimeout(() => r('still waiting'), 200))]), 'still waiting');
    // tolerationSeconds later: DisruptionTarget + deletionTimestamp (the kubelet is gone, so no container end follows).
    api.emit('MODIFIED', {
      ...pod,
      metadata: { ...pod.metadata, deletionTimestamp: new Date().toISOString() },
      status: { ...pod.status, conditions: [...pod.status.conditions, { type: 'DisruptionTarget', status: 'True', reason: 'DeletionByTaintManager', message: 'Taint manager: deleting due to NoExecute taint' }] },
    });
    const exit = await waiting;
    assert.equal(exit.code, null);
    assert.match(exit.reason ?? '', /^node lost: Taint manager: deleting due to NoExecute taint \(node node-a\)$/);
  });

  it('a watch that expires with 410 Gone is re-listed: an end that happened while it was down is seen', T, async () => {
    onJob((pod) => running(pod));
    const d = await driver();
    const handle = await d.start(spec());
    const pod = api.all('pods')[0]!;
    const waiting = d.wait(handle);
    const lists = (): number => api.requests.filter((r) => r.startsWith('GET /api/v1/namespaces/berth/pods?') && !r.includes('watch=true')).length;
    assert.equal(lists(), 1);
    // While no watch is open the pod succeeds; the client's next watch is told 410 and lists again.
    api.setQuietly('pods', podWith(pod, { phase: 'Succeeded', terminated: { exitCode: 0, reason: 'Completed' } }));
    api.expireWatches();
    assert.deepEqual(await waiting, { code: 0, signal: null });
    assert.equal(lists(), 2);
  });

  it('a restarted Berth adopts: start finds the Job, list by owner labels, wait reads the exit recorded on the Job after the pod is gone', T, async () => {
    onJob((pod) => running(pod));
    const first = await driver();
    const s = spec();
    const handle = await first.start(s);
    const pod = api.all('pods')[0]!;
    api.emit('MODIFIED', podWith(pod, { phase: 'Failed', terminated: { exitCode: 7, reason: 'Error' } }));
    assert.equal((await first.wait(handle)).code, 7);
    api.emit('DELETED', api.get('pods', pod.metadata!.name!)!);
    await first.destroy();

    const second = await driver();
    const posts = api.requests.filter((r) => r.startsWith('POST')).length;
    const again = await second.start(s);
    assert.deepEqual(again, handle);
    assert.equal(api.requests.filter((r) => r.startsWith('POST')).length, posts, 'no second create');
    const listed = await second.list({ run: 'r1', installation: '/home/u/.berth' });
    assert.deepEqual(listed, [handle]);
    assert.deepEqual(await second.list({ run: 'other' }), []);
    assert.deepEqual(await second.wait(listed[0]!), { code: 7, signal: null });
  });

  it('stop deletes the pod with the grace period and returns once it ended; stop again is a no-op', T, async () => {
    let grace = -1;
    onJob((pod) => running(pod));
    api.onPodDelete = (pod, seconds) => {
      grace = seconds;
      api.emit('MODIFIED', podWith(pod, { phase: 'Failed', terminated: { exitCode: 143, reason: 'Error' } }));
      api.emit('DELETED', api.get('pods', pod.metadata!.name!)!);
    };
    const d = await driver();
    const handle = await d.start(spec({ command: ['sleep', '300'] }));
    await d.stop(handle, { graceMs: 4_500 });
    assert.equal(grace, 5);
    assert.equal(await d.isRunning(handle), false);
    assert.deepEqual(await d.wait(handle), { code: 143, signal: null });
    const deletes = api.requests.filter((r) => r.startsWith('DELETE')).length;
    await d.stop(handle, { graceMs: 1_000 });
    assert.equal(api.requests.filter((r) => r.startsWith('DELETE')).length, deletes);
  });

  it('a service is a Deployment + Service owned by it, reached by Service DNS; stop scales to 0; remove deletes both', T, async () => {
    onJob((pod) => running(pod));
    const d = await driver();
    const s = spec({ restart: 'on-failure', ports: [8888], command: [], imageEntrypoint: true, labels: { project: 'p1', run: 'r1', session: 's9' }, network: { name: 'berth-session-s9', aliases: ['lab', 'lab-s9'] } });
    const handle = await d.start(s);
    const name = handle.state.name as string;
    assert.equal(handle.state.kind, 'deployment');
    assert.equal(handle.state['port:8888'], `${name}.berth.svc:8888`);
    const deployment = api.get('deployments', name)!;
    const service = api.get('services', name)!;
    assert.deepEqual(service.metadata!['ownerReferences'], [{ apiVersion: 'apps/v1', kind: 'Deployment', name, uid: deployment.metadata!.uid, controller: true, blockOwnerDeletion: true }]);
    assert.deepEqual(api.get('services', 'lab-s9')!.metadata!['ownerReferences'], service.metadata!['ownerReferences']);
    assert.deepEqual(api.get('services', 'lab-s9')!.spec.selector, { 'berth.dev/workload': name });
    assert.equal(api.get('services', 'lab'), undefined);
    await d.stop(handle, { graceMs: 1_000 });
    assert.equal(api.get('deployments', name)!.spec.replicas, 0);
    assert.equal((await d.wait(handle)).code, 143);
    assert.deepEqual((await d.list({ run: 'r1' })).map((h) => h.id), [s.id]);
    await d.remove(handle);
    assert.equal(api.get('deployments', name), undefined);
    assert.equal(api.get('services', name), undefined);
    assert.deepEqual(await d.list({ run: 'r1' }), []);
  });

  it('exec goes through the exec API: output, exit codes, env and cwd by sh/env, and a stopped workload refuses', T, async () => {
    onJob((pod) => running(pod));
    const seen: string[][] = [];
    api.onExec = (_pod, argv) => {
      seen.push(argv);
      return argv.includes('fail') ? { stdout: 'bar-x\n', stderr: 'oops\n', code: 4 } : { stdout: 'fine\n', stderr: '', code: 0 };
    };
    const d = await driver();
    const handle = await d.start(spec({ command: ['sleep', '300'] }));
    assert.deepEqual(await d.exec(handle, ['echo', 'fine']), { code: 0, stdout: 'fine\n', stderr: '' });
    assert.deepEqual(await d.exec(handle, ['fail'], { env: { EXTRA: 'x' }, cwd: '/work dir' }), { code: 4, stdout: 'bar-x\n', stderr: 'oops\n' });
    assert.deepEqual(seen, [['echo', 'fine'], ['sh', '-c', 'cd -- "$0" && exec "$@"', '/work dir', 'env', 'EXTRA=x', 'fail']]);
    await d.stop(handle, { graceMs: 1_000 });
    await assert.rejects(d.exec(handle, ['true']), (e: unknown) => isBerthError(e) && /not running/.test(e.message));
  });

  it('interactive workloads get node affinity to the Ready nodes that hold their image (from the Node informer); job runs do not', T, async () => {
    const node = (name: string, images: string[], ready = 'True'): KubeObject => ({
      metadata: { name, labels: { 'kubernetes.io/hostname': name } },
      status: { conditions: [{ type: 'Ready', status: ready }], images: [{ names: images, sizeBytes: 1 }] },
    });
    api.emit('ADDED', node('node-a', ['docker.io/library/busybox:1.36', 'docker.io/library/busybox@sha256:abc']), 'nodes');
    api.emit('ADDED', node('node-b', ['docker.io/library/python:3-slim']), 'nodes');
    api.emit('ADDED', node('node-c', ['docker.io/library/busybox:1.36'], 'False'), 'nodes');
    onJob((pod) => running(pod));
    const d = await driver();
    const affinity = (o: KubeObject): unknown => o.spec.template.spec.affinity?.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values;
    const interactive = await d.start(spec({ env: { ORCHEST_SESSION_TYPE: 'interactive' } }));
    assert.deepEqual(affinity(api.get('jobs', interactive.state.name as string)!), ['node-a']);
    // A node that pulls the image later is seen through the watch.
    api.emit('MODIFIED', node('node-b', ['docker.io/library/python:3-slim', 'docker.io/library/busybox:1.36']), 'nodes');
    // (the event reaches the driver asynchronously: start until it shows, for at most 10 s)
    let placed: unknown;
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
      const second = await d.start(spec());
      placed = affinity(api.get('jobs', second.state.name as string)!);
      if (Array.isArray(placed) && placed.length === 2) break;
    }
    assert.deepEqual(placed, ['node-a', 'node-b']);
    const job = await d.start(spec({ env: { ORCHEST_SESSION_TYPE: 'noninteractive' } }));
    assert.equal(affinity(api.get('jobs', job.state.name as string)!), undefined);
  });

  it('a Deployment whose container restarts: each container\'s output is appended to the log', T, async () => {
    onJob((pod) => running(pod));
    const d = await driver();
    const s = spec({ restart: 'always', command: ['server'] });
    const handle = await d.start(s);
    const pod = api.all('pods')[0]!;
    const name = pod.metadata!.name!;
    api.appendLog(name, 'first container\n');
    // It crashes; the kubelet waits (CrashLoopBackOff) and starts it again in the same pod.
    const crashed = api.emit('MODIFIED', { ...pod, status: { ...pod.status, containerStatuses: [{ ...pod.status.containerStatuses[0], restartCount: 0, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 1, reason: 'Error' } } }] } });
    for (const deadline = Date.now() + 10_000; (await d.isRunning(handle)) && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 20));
    assert.equal(await d.isRunning(handle), false);
    api.emit('MODIFIED', { ...crashed, status: { ...crashed.status, phase: 'Running', containerStatuses: [{ ...crashed.status.containerStatuses[0], restartCount: 1, state: { running: { startedAt: new Date().toISOString() } } }] } });
    api.appendLog(name, 'second container\n');
    await d.stop(handle, { graceMs: 1_000 });
    await d.wait(handle);
    assert.equal(readFileSync(s.logPath, 'utf8'), 'first container\nsecond container\n');
  });

  it('a pod that stays Pending (Unschedulable) past the start\'s limit: the start gives up, the Job is removed before the driver closes, the log says why', T, async () => {
    const message = '0/3 nodes are available: 3 Insufficient nvidia.com/gpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.';
    onJob((pod) => api.emit('MODIFIED', { ...pod, spec: { ...pod.spec, nodeName: undefined }, status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message }] } }));
    const d = await driver();
    const s = spec({ gpus: 1 });
    await assert.rejects(d.start(s, AbortSignal.timeout(500)), (e: unknown) => e instanceof Error && e.name === 'TimeoutError');
    // Left behind, the pod could still be scheduled later and run a step Berth has failed.
    await d.destroy();
    assert.deepEqual(api.all('jobs'), []);
    assert.equal(readFileSync(s.logPath, 'utf8'), `berth: the workload did not start in time: its pod is pending (${message}); it was removed\n`);
  });

  it('a wait on a workload removed behind Berth\'s back ends as vanished', T, async () => {
    const d = await driver();
    const handle: WorkloadHandle = { id: 'gone', driver: 'kubernetes', labels: {}, logPath: join(root, 'gone.log'), state: { name: 'b-000000-gone', kind: 'pod', namespace: 'berth' } };
    const exit = await d.wait(handle);
    assert.equal(exit.code, null);
    assert.match(exit.reason ?? '', /vanished/);
  });

  it('an API that does not answer, or refuses the credentials, is a coded error naming KUBECONFIG', T, async () => {
    const nowhere = new KubernetesDriver({ kubeConfig: api.kubeConfig('http://127.0.0.1:9'), settings });
    await assert.rejects(nowhere.init(), (e: unknown) => isBerthError(e) && e.code === 'BERTH_E_DRIVER' && e.message.includes('127.0.0.1:9') && e.problems?.[0]?.path === 'KUBECONFIG');
    const kc = api.kubeConfig(url);
    kc.users[0] = { name: 'berth', token: 'wrong' };
    const refused = new KubernetesDriver({ kubeConfig: kc, settings });
    await assert.rejects(refused.init(), (e: unknown) => isBerthError(e) && e.problems?.[0]?.message === 'credentials rejected');
  });
});
