import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { after, before, beforeEach, describe, it } from 'node:test';
import { isBerthError } from '../../src/errors.ts';
import { kubeSettings } from '../../src/config/kube-settings.ts';
import { EnvironmentImages } from '../../src/environments/environment-images.ts';
import { KubernetesDriver } from '../../src/runtimes/kubernetes/kubernetes-driver.ts';
import { KubeImageBuilder } from '../../src/runtimes/kubernetes/kube-image-builder.ts';
import { builderJob } from '../../src/runtimes/kubernetes/builder-job.ts';
import { eventually } from '../helpers/eventually.ts';
import { type FakeKubeApi, type KubeObject, freshKubeApiPerTest, podOf, podWith } from './fake-kube-api.ts';

/**
 * Environment builds on a cluster, on recorded watch sequences: the builder Job's pod goes
 * Pending → Running → Succeeded (its digest in the termination message, as kaniko's
 * --digest-file=/dev/termination-log writes it), or Failed, or cannot pull the builder image; the
 * events reach KubeImageBuilder through the driver's informer (the real client's list and watch).
 */
const T = { timeout: 30_000 };
const DIGEST = `sha256:${'ab'.repeat(32)}`;

describe('environment images built by builder Jobs (recorded sequences)', () => {
  let root = '';
  let home = '';
  const drivers: KubernetesDriver[] = [];
  const fake = freshKubeApiPerTest(drivers, { beforeEach, after });
  const settings = () => kubeSettings({ BERTH_KUBE_NAMESPACE: 'berth', BERTH_KUBE_VOLUMES: `${home}=berth-data`, BERTH_KUBE_REGISTRY: 'registry.example.com/team', BERTH_KUBE_REGISTRY_SECRET: 'push-creds' });
  const setup = async () => {
    const s = settings();
    const driver = new KubernetesDriver({ kubeConfig: api.kubeConfig(url), settings: s });
    drivers.push(driver);
    return { driver, builder: new KubeImageBuilder(driver, { settings: s, build: s.build!, home, installation: home }), settings: s };
  };
  /** Plays the Job controller and the kubelet for builder Jobs: `then(pod, job)` is what the build does. */
  const onBuild = (then: (pod: KubeObject, job: KubeObject) => void): KubeObject[] => {
    const created: KubeObject[] = [];
    api.onCreate = (resource, object) => {
      if (resource !== 'jobs') return;
      created.push(object);
      then(api.emit('ADDED', podOf(object)), object);
    };
    return created;
  };
  const request = (tag: string, lines: string[] = []) => ({
    tag,
    dockerfile: 'FROM python:3.12-slim\nRUN echo setup\n',
    files: { 'setup_script.sh': 'pip install x\n' },
    labels: { 'berth.environment': 'e1' },
    logPath: join(home, 'builds', 'e1', `${tag.split(':').pop()}.log`),
    onProgress: (line: string) => lines.push(line),
  });

  before(() => {
    root = realpathSync(mkdtempSync(join(tmpdir(), 'berth-kube-build-')));
  });
  beforeEach(() => {
    home = join(root, `home-${Math.random().toString(36).slice(2)}`);
    mkdirSync(home);
    api = fake.api;
    url = fake.url;
  });
  after(() => rmSync(root, { recursive: true, force: true }));
  let api: FakeKubeApi;
  let url = '';

  it('Pending → Running → Succeeded: the Job is the pure builder\'s, the pod reads the context from the claim, the log streams, the push is recorded with its digest, the Job is removed', T, async () => {
    const { builder, settings: s } = await setup();
    const tag = 'registry.example.com/team/berth-env/e1:0123456789abcdef';
    let context: string[] = [];
    const created = onBuild((pod, job) => {
      // What the pod would unpack: the tar Berth wrote to the mapped folder.
      const sub = job.spec.template.spec.containers[0].volumeMounts[0].subPath as string;
      context = listTar(gunzipSync(readFileSync(join(home, sub, 'context.tar.gz'))));
      const started = api.emit('MODIFIED', { ...podWith(pod, { phase: 'Running', running: true }), spec: { ...pod.spec, nodeName: 'node-c' } });
      api.appendLog(started.metadata!.name!, 'INFO Retrieving image python:3.12-slim\nINFO RUN echo setup\nsetup\nINFO Pushing image to registry.example.com/team/berth-env/e1:0123456789abcdef\n');
      api.emit('MODIFIED', podWith(started, { phase: 'Succeeded', terminated: { exitCode: 0, reason: 'Completed', message: DIGEST } }));
    });
    const lines: string[] = [];
    const req = request(tag, lines);
    await builder.build(req);
    const contextDir = join(home, 'builds', 'e1', '0123456789abcdef.context');
    const strip = (j: object): unknown => {
      const copy = JSON.parse(JSON.stringify(j)) as KubeObject;
      for (const key of ['uid', 'resourceVersion', 'creationTimestamp'] as const) delete copy.metadata![key];
      return copy;
    };
    assert.deepEqual(created.map(strip), [strip(builderJob({ settings: s, build: s.build!, image: tag, contextDir, imageLabels: req.labels, installation: home }))]);
    assert.deepEqual(context, ['Dockerfile', 'setup_script.sh']);
    assert.equal(readFileSync(req.logPath, 'utf8'), 'INFO Retrieving image python:3.12-slim\nINFO RUN echo setup\nsetup\nINFO Pushing image to registry.example.com/team/berth-env/e1:0123456789abcdef\n');
    assert.deepEqual(lines, ['INFO Retrieving image python:3.12-slim', 'INFO RUN echo setup', 'setup', 'INFO Pushing image to registry.example.com/team/berth-env/e1:0123456789abcdef']);
    assert.equal(await builder.hasImage(tag), true);
    assert.deepEqual({ ...builder.pushed(tag)!, at: '' }, { image: tag, digest: DIGEST, builtOn: 'node-c', at: '' });
    assert.deepEqual(api.all('jobs'), []);
    assert.equal(existsSync(contextDir), false);
  });

  it('through EnvironmentImages: named under the registry, built once, the base image left to the builder', T, async () => {
    const { builder } = await setup();
    const created = onBuild((pod) => {
      const started = api.emit('MODIFIED', podWith(pod, { phase: 'Running', running: true }));
      api.emit('MODIFIED', podWith(started, { phase: 'Succeeded', terminated: { exitCode: 0, reason: 'Completed', message: DIGEST } }));
    });
    const images = new EnvironmentImages(builder, join(home, 'builds'), { registry: 'registry.example.com/team' });
    const env = { uuid: 'e1', name: 'py', baseImage: 'python:3.12-slim', setupScript: 'pip install x\n' };
    const first = await images.ensure(env);
    assert.match(first.image, /^registry\.example\.com\/team\/berth-env\/e1:[0-9a-f]{16}$/);
    assert.equal(first.built, true);
    // Another Berth process (a new EnvironmentImages) finds the push recorded: no second build.
    const second = await new EnvironmentImages(builder, join(home, 'builds'), { registry: 'registry.example.com/team' }).ensure(env);
    assert.deepEqual([second.image, second.built], [first.image, false]);
    assert.equal(created.length, 1);
  });

  it('a failing setup script (exit 1) is BERTH_E_ENV_BUILD with the log\'s last lines; nothing is recorded, the Job is removed', T, async () => {
    const { builder } = await setup();
    onBuild((pod) => {
      const started = api.emit('MODIFIED', podWith(pod, { phase: 'Running', running: true }));
      api.appendLog(started.metadata!.name!, 'INFO RUN pip install nope\nERROR: No matching distribution found for nope\n');
      api.emit('MODIFIED', podWith(started, { phase: 'Failed', terminated: { exitCode: 1, reason: 'Error' } }));
    });
    const tag = 'registry.example.com/team/berth-env/e1:1111111111111111';
    await assert.rejects(builder.build(request(tag)), (e: unknown) => isBerthError(e) && e.code === 'BERTH_E_ENV_BUILD' && /exited with 1 on node node-a/.test(e.message) && /No matching distribution found for nope/.test(e.message));
    assert.equal(await builder.hasImage(tag), false);
    assert.deepEqual(api.all('jobs'), []);
  });

  it('a builder image the nodes cannot pull fails the build naming BERTH_KUBE_BUILDER_IMAGE', T, async () => {
    const { builder } = await setup();
    onBuild((pod) => api.emit('MODIFIED', podWith(pod, { phase: 'Pending', waiting: { reason: 'ErrImagePull', message: 'pull access denied for gcr.io/kaniko-project/executor' } })));
    await assert.rejects(builder.build(request('registry.example.com/team/berth-env/e1:2222222222222222')), (e: unknown) => isBerthError(e) && e.code === 'BERTH_E_ENV_BUILD' && /ErrImagePull/.test(e.message) && /BERTH_KUBE_BUILDER_IMAGE/.test(e.message));
    assert.deepEqual(api.all('jobs'), []);
  });

  it('node tracking: a node the kubelet lists no image for, where a pod of the image ran, gets the next interactive workload; job runs go anywhere', T, async () => {
    const node = (name: string, images: string[]): KubeObject => ({ metadata: { name, labels: { 'kubernetes.io/hostname': name } }, status: { conditions: [{ type: 'Ready', status: 'True' }], images: [{ names: images, sizeBytes: 1 }] } });
    // The kubelet reports at most 50 images per node: the built image is not in node-b's list.
    api.emit('ADDED', node('node-a', ['docker.io/library/busybox:1.36']), 'nodes');
    api.emit('ADDED', node('node-b', ['docker.io/library/python:3-slim']), 'nodes');
    const image = 'registry.example.com/team/berth-env/e1:0123456789abcdef';
    api.onCreate = (resource, object) => {
      if (resource !== 'jobs') return;
      const pod = podOf(object);
      api.emit('ADDED', { ...pod, spec: { ...pod.spec, nodeName: 'node-b' } });
      api.emit('MODIFIED', { ...podWith(api.all('pods').at(-1)!, { phase: 'Running', running: true }) });
    };
    const { driver } = await setup();
    await driver.init();
    const spec = (id: string, type: string) => ({ id, command: ['python', 'x.py'], cwd: '', env: { ORCHEST_SESSION_TYPE: type }, labels: { run: 'r1', step: id, installation: home }, image, logPath: join(home, `${id}.log`) });
    const affinity = (name: string): unknown => api.get('jobs', name)!.spec.template.spec.affinity?.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values;
    // No node is known to hold the fresh image: the first interactive step schedules anywhere (and lands on node-b).
    const first = await driver.start(spec('s1', 'interactive'));
    assert.equal(affinity(first.state.name as string), undefined);
    const second = await driver.start(spec('s2', 'interactive'));
    assert.deepEqual(affinity(second.state.name as string), ['node-b']);
    const batch = await driver.start(spec('s3', 'noninteractive'));
    assert.equal(affinity(batch.state.name as string), undefined);
    // node-b goes NotReady: nobody is pinned to it any more.
    api.emit('MODIFIED', { ...node('node-b', []), status: { conditions: [{ type: 'Ready', status: 'Unknown' }], images: [] } }, 'nodes');
    const later = await eventually('node-b seen not Ready', async () => {
      const h = await driver.start(spec(`s4-${Math.random().toString(36).slice(2, 8)}`, 'interactive'));
      return affinity(h.state.name as string) === undefined ? h : undefined;
    });
    assert.ok(later);
  });
});

/** The file names of an uncompressed tar (ustar headers). */
function listTar(buffer: Buffer): string[] {
  const names: string[] = [];
  for (let offset = 0; offset + 512 <= buffer.length; ) {
    const name = buffer.subarray(offset, offset + 100).toString('utf8').replace(/\0.*$/s, '');
    if (!name) break;
    const size = parseInt(buffer.subarray(offset + 124, offset + 136).toString('utf8').replace(/\0.*$/s, '').trim() || '0', 8);
    names.push(name);
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  return names;
}
