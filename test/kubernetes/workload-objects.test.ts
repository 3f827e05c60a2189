import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isBerthError } from '../../src/errors.ts';
import type { WorkloadSpec } from '../../src/runtimes/driver.ts';
import { kubeName, volumeClaimName } from '../../src/runtimes/kubernetes/kube-names.ts';
import { labelValue, ownerSelector, parseWorkloadAnnotations } from '../../src/runtimes/kubernetes/kube-labels.ts';
import { kubeSettings } from '../../src/config/kube-settings.ts';
import { ownerReference, workloadObjects, workloadService } from '../../src/runtimes/kubernetes/workload-objects.ts';
import { validateKubeObject } from './kube-schema.ts';

const settings = kubeSettings({ BERTH_KUBE_NAMESPACE: 'team-a', BERTH_KUBE_VOLUMES: '/var/lib/berth=berth-data', BERTH_KUBE_STORAGE_CLASS: 'nfs-client', BERTH_KUBE_CPU_REQUEST: '250m', BERTH_KUBE_MEMORY_LIMIT: '2Gi' });
const INSTALL = '/var/lib/berth';
const RUN = '3f1d2c4e-0000-4000-8000-00000000000a';
const STEP = '9a8b7c6d-0000-4000-8000-00000000000b';

function stepSpec(extra: Partial<WorkloadSpec> = {}): WorkloadSpec {
  return {
    id: `${RUN}-${STEP}`,
    command: ['python', '/project-dir/train.py'],
    cwd: '/project-dir',
    env: { ORCHEST_SESSION_TYPE: 'interactive', PATH: '/usr/bin:/bin' },
    labels: { project: 'p1', pipeline: 'pl1', run: RUN, step: STEP, installation: INSTALL },
    image: 'registry.example.com/berth/env-abc:1',
    mounts: [
      { source: '/var/lib/berth/projects/p1', target: '/project-dir' },
      { source: '/var/lib/berth/data', target: '/data' },
      { source: '/var/lib/berth/sdk/python', target: '/berth-sdk/python', readOnly: true },
    ],
    user: '1000:1000',
    logPath: `/var/lib/berth/runs/${RUN}/${STEP}.log`,
    ...extra,
  };
}

describe('kubernetes workload objects', () => {
  it('a step is a Job: volumes from the mapped claim, resources, labels and annotations, no token, valid against the schema', async () => {
    const objects = workloadObjects(stepSpec(), { settings, installation: INSTALL, resources: { gpus: 1 }, imageNodes: ['node-b', 'node-a'] });
    const name = kubeName(`${RUN}-${STEP}`, INSTALL);
    assert.match(name, /^b-[0-9a-f]{6}-[a-z0-9-]+$/);
    assert.ok(name.length <= 63);
    const labels = {
      'berth.dev/managed': 'true',
      'berth.dev/workload': name,
      'berth.dev/kind': 'pod',
      'owner.berth.dev/project': 'p1',
      'owner.berth.dev/pipeline': 'pl1',
      'owner.berth.dev/run': RUN,
      'owner.berth.dev/step': STEP,
      'owner.berth.dev/installation': labelValue(INSTALL),
    };
    const annotations = {
      'berth.dev/id': `${RUN}-${STEP}`,
      'berth.dev/log-path': `/var/lib/berth/runs/${RUN}/${STEP}.log`,
      'berth.dev/log-offset': '0',
      'owner.berth.dev/project': 'p1',
      'owner.berth.dev/pipeline': 'pl1',
      'owner.berth.dev/run': RUN,
      'owner.berth.dev/step': STEP,
      'owner.berth.dev/installation': INSTALL,
    };
    assert.deepEqual(objects, {
      kind: 'pod',
      name,
      service: null,
      aliases: [],
      claims: [],
      workload: {
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: { name, namespace: 'team-a', labels, annotations },
        spec: {
          backoffLimit: 0,
          template: {
            metadata: { labels, annotations },
            spec: {
              containers: [
                {
                  name: 'workload',
                  image: 'registry.example.com/berth/env-abc:1',
                  env: [{ name: 'ORCHEST_SESSION_TYPE', value: 'interactive' }, { name: 'PATH', value: '/usr/bin:/bin' }],
                  command: ['python', '/project-dir/train.py'],
                  workingDir: '/project-dir',
                  resources: { requests: { cpu: '250m', 'nvidia.com/gpu': '1' }, limits: { memory: '2Gi', 'nvidia.com/gpu': '1' } },
                  volumeMounts: [
                    { name: 'v0', mountPath: '/project-dir', readOnly: false, subPath: 'projects/p1' },
                    { name: 'v0', mountPath: '/data', readOnly: false, subPath: 'data' },
                    { name: 'v0', mountPath: '/berth-sdk/python', readOnly: true, subPath: 'sdk/python' },
                  ],
                  securityContext: { runAsUser: 1000, runAsGroup: 1000 },
                },
              ],
              restartPolicy: 'Never',
              enableServiceLinks: false,
              automountServiceAccountToken: false,
              volumes: [{ name: 'v0', persistentVolumeClaim: { claimName: 'berth-data' } }],
              affinity: {
                nodeAffinity: {
                  requiredDuringSchedulingIgnoredDuringExecution: {
                    nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['node-a', 'node-b'] }] }],
                  },
                },
              },
            },
          },
        },
      },
    });
    await validateKubeObject(objects.workload);
    assert.deepEqual(parseWorkloadAnnotations(annotations), { id: `${RUN}-${STEP}`, owner: stepSpec().labels, files: { path: stepSpec().logPath, offset: 0, errOffset: 0 } });
  });

  it('the spec\'s requests, limits and GPUs become the container\'s resources, replacing the defaults resource by resource; valid against the schema', async () => {
    const resources = (extra: Partial<WorkloadSpec>) => workloadObjects(stepSpec(extra), { settings, installation: INSTALL }).workload.spec!.template.spec!.containers[0]!.resources;
    // Defaults alone (BERTH_KUBE_CPU_REQUEST=250m, BERTH_KUBE_MEMORY_LIMIT=2Gi).
    assert.deepEqual(resources({}), { requests: { cpu: '250m' }, limits: { memory: '2Gi' } });
    const all = stepSpec({ requests: { cpus: 0.5, memoryBytes: 1536 * 2 ** 20 }, limits: { cpus: 2, memoryBytes: 4 * 2 ** 30 }, gpus: 2 });
    const objects = workloadObjects(all, { settings, installation: INSTALL });
    assert.deepEqual(objects.workload.spec!.template.spec!.containers[0]!.resources, {
      requests: { cpu: '500m', memory: '1536Mi', 'nvidia.com/gpu': '2' },
      limits: { cpu: '2', memory: '4Gi', 'nvidia.com/gpu': '2' },
    });
    await validateKubeObject(objects.workload);
    // A memory request of 3Gi drops the 2Gi default limit (it would be below the request); the CPU default stays.
    assert.deepEqual(resources({ requests: { memoryBytes: 3 * 2 ** 30 } }), { requests: { cpu: '250m', memory: '3Gi' } });
    // A CPU limit below the 250m default request drops that request too.
    assert.deepEqual(resources({ limits: { cpus: 0.1 } }), { limits: { cpu: '100m', memory: '2Gi' } });
    assert.deepEqual(resources({ limits: { memoryBytes: 1000 } }), { requests: { cpu: '250m' }, limits: { memory: '1000' } });
    // A restarting workload (Deployment) carries them the same way.
    const deployment = workloadObjects(stepSpec({ restart: 'always', limits: { cpus: 1 }, gpus: 1 }), { settings, installation: INSTALL }).workload;
    assert.equal(deployment.kind, 'Deployment');
    assert.deepEqual(deployment.spec!.template.spec!.containers[0]!.resources, { requests: { 'nvidia.com/gpu': '1' }, limits: { cpu: '1', memory: '2Gi', 'nvidia.com/gpu': '1' } });
    await validateKubeObject(deployment);
  });

  it('a job-run (noninteractive) step schedules anywhere even when nodes hold the image', () => {
    const spec = stepSpec({ env: { ORCHEST_SESSION_TYPE: 'noninteractive' } });
    const pod = workloadObjects(spec, { settings, installation: INSTALL, imageNodes: ['node-a'] }).workload.spec!.template.spec!;
    assert.equal(pod.affinity, undefined);
  });

  it('a session service is a Deployment + Service on its ports, with a named-volume claim (RWX, storage class)', async () => {
    const spec: WorkloadSpec = {
      id: 'sess-1-jupyter',
      command: [],
      imageEntrypoint: true,
      cwd: '',
      env: { ORCHEST_SESSION_TYPE: 'interactive' },
      labels: { project: 'p1', session: 'sess-1', service: 'jupyter', installation: INSTALL },
      image: 'jupyter/base-notebook:latest',
      ports: [8888],
      mounts: [{ type: 'volume', source: 'p1-cache', target: '/cache' }],
      restart: 'on-failure',
      network: { name: 'berth-session-sess-1', aliases: ['jupyter', 'jupyter-sess-1', 'Not_A_Label-sess-1'] },
      logPath: '/var/lib/berth/sessions/sess-1/jupyter.log',
      errLogPath: '/var/lib/berth/sessions/sess-1/jupyter.err',
    };
    const objects = workloadObjects(spec, { settings, installation: INSTALL, logFiles: { path: spec.logPath, errPath: spec.errLogPath, offset: 10, errOffset: 3 } });
    const name = kubeName('sess-1-jupyter', INSTALL);
    assert.equal(objects.kind, 'deployment');
    const deployment = objects.workload;
    assert.equal(deployment.kind, 'Deployment');
    assert.deepEqual((deployment.spec as { selector: unknown }).selector, { matchLabels: { 'berth.dev/workload': name } });
    assert.deepEqual(deployment.spec!.template.spec!.containers[0]!.ports, [{ containerPort: 8888, protocol: 'TCP' }]);
    assert.equal(deployment.spec!.template.spec!.containers[0]!.command, undefined);
    assert.equal(deployment.spec!.template.spec!.containers[0]!.args, undefined);
    assert.equal(deployment.spec!.template.spec!.restartPolicy, 'Always');
    assert.deepEqual(deployment.metadata!.annotations!['berth.dev/err-log-offset'], '3');
    const claim = volumeClaimName('p1-cache', INSTALL);
    assert.deepEqual(deployment.spec!.template.spec!.volumes, [{ name: 'v0', persistentVolumeClaim: { claimName: claim } }]);
    assert.deepEqual(objects.claims, [
      {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name: claim, namespace: 'team-a', labels: { 'berth.dev/managed': 'true', 'owner.berth.dev/project': 'p1', 'owner.berth.dev/session': 'sess-1', 'owner.berth.dev/installation': labelValue(INSTALL) }, annotations: { 'berth.dev/volume': 'p1-cache' } },
        spec: { accessModes: ['ReadWriteMany'], storageClassName: 'nfs-client', resources: { requests: { storage: '10Gi' } } },
      },
    ]);
    assert.deepEqual(objects.service, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace: 'team-a', labels: deployment.metadata!.labels },
      spec: { type: 'ClusterIP', selector: { 'berth.dev/workload': name }, ports: [{ name: 'p8888', port: 8888, targetPort: 8888, protocol: 'TCP' }] },
    });
    // Steps reach a session service by <name>-<session>: a Service of that name; the bare name gets none.
    assert.deepEqual(objects.aliases, [{ ...objects.service!, metadata: { ...objects.service!.metadata, name: 'jupyter-sess-1' } }]);
    const owned = workloadService(spec, name, 'team-a', spec.labels, 'deployment', ownerReference({ ...deployment, metadata: { ...deployment.metadata, uid: '5a6b' } }));
    assert.deepEqual(owned.metadata!.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'Deployment', name, uid: '5a6b', controller: true, blockOwnerDeletion: true }]);
    for (const object of [deployment, objects.service!, owned, ...objects.aliases, ...objects.claims]) await validateKubeObject(object);
  });

  it('a mapping may point into a claim (HOST=CLAIM:SUBPATH)', () => {
    const mapped = kubeSettings({ BERTH_KUBE_VOLUMES: '/opt/berth/sdk=berth-data:sdk/,/var/lib/berth=berth-data' });
    assert.deepEqual(mapped.volumes, [{ hostPath: '/opt/berth/sdk', claim: 'berth-data', subPath: 'sdk' }, { hostPath: '/var/lib/berth', claim: 'berth-data', subPath: '' }]);
    const pod = workloadObjects(stepSpec({ mounts: [{ source: '/opt/berth/sdk/python', target: '/sdk', readOnly: true }, { source: '/var/lib/berth', target: '/home' }] }), { settings: { ...settings, volumes: mapped.volumes } }).workload.spec!.template.spec!;
    assert.deepEqual(pod.containers[0]!.volumeMounts, [{ name: 'v0', mountPath: '/sdk', readOnly: true, subPath: 'sdk/python' }, { name: 'v0', mountPath: '/home', readOnly: false }]);
  });

  it('an image entrypoint with arguments gets args, not command', () => {
    const pod = workloadObjects(stepSpec({ imageEntrypoint: true, command: ['--port', '80'] }), { settings }).workload.spec!.template.spec!;
    assert.deepEqual(pod.containers[0]!.args, ['--port', '80']);
    assert.equal(pod.containers[0]!.command, undefined);
  });

  it('refuses what Kubernetes cannot run, naming the field and the fix', () => {
    const code = (fn: () => unknown, path: string): void => {
      assert.throws(fn, (e: unknown) => isBerthError(e) && e.problems?.[0]?.path === path && typeof e.problems?.[0]?.fix === 'string');
    };
    code(() => workloadObjects(stepSpec({ mounts: [{ source: '/home/me/project', target: '/project-dir' }] }), { settings }), 'mounts[0].source');
    code(() => workloadObjects(stepSpec({ image: undefined }), { settings }), 'image');
    code(() => workloadObjects(stepSpec({ user: 'me' }), { settings }), 'user');
    // A prefix that is not a whole folder name does not match: /var/lib/berth2 is not under /var/lib/berth.
    code(() => workloadObjects(stepSpec({ mounts: [{ source: '/var/lib/berth2/x', target: '/x' }] }), { settings }), 'mounts[0].source');
    // A path that climbs out of the mapped folder is not in it.
    code(() => workloadObjects(stepSpec({ mounts: [{ source: '/var/lib/berth/../../etc', target: '/x' }] }), { settings }), 'mounts[0].source');
    code(() => kubeSettings({ BERTH_KUBE_VOLUMES: '/sdk=berth-data:../etc' }), 'BERTH_KUBE_VOLUMES');
    code(() => kubeSettings({ BERTH_KUBE_NAMESPACE: 'Team A' }), 'BERTH_KUBE_NAMESPACE');
    code(() => kubeSettings({ BERTH_KUBE_VOLUMES: 'relative=claim' }), 'BERTH_KUBE_VOLUMES');
    code(() => kubeSettings({ BERTH_KUBE_CPU_LIMIT: 'lots' }), 'BERTH_KUBE_CPU_LIMIT');
    code(() => kubeSettings({ BERTH_KUBE_ENDPOINT: 'berth:7420' }), 'BERTH_KUBE_ENDPOINT');
    code(() => kubeSettings({ BERTH_KUBE_ENDPOINT: 'http://admin:pw@berth:7420' }), 'BERTH_KUBE_ENDPOINT');
    assert.equal(kubeSettings({ BERTH_KUBE_NAMESPACE: 'team-a' }).endpoint, 'http://berth.team-a.svc:7420');
    assert.equal(kubeSettings({ BERTH_KUBE_ENDPOINT: 'https://berth.example.com/' }).endpoint, 'https://berth.example.com');
  });

  it('names and label values stay within Kubernetes limits for any id and owner value', () => {
    for (const id of ['a', 'x'.repeat(300), 'Ünïcode/../../etc', '--', `${RUN}-${STEP}`]) {
      const name = kubeName(id, INSTALL);
      assert.match(name, /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/, name);
    }
    assert.notEqual(kubeName('a', '/home/one'), kubeName('a', '/home/two'));
    assert.notEqual(kubeName('A', INSTALL), kubeName('a', INSTALL));
    assert.equal(labelValue('p1'), 'p1');
    assert.match(labelValue('/var/lib/berth'), /^h\.[0-9a-f]{40}$/);
    assert.equal(ownerSelector({ run: 'r1', project: undefined }), 'berth.dev/managed=true,owner.berth.dev/run=r1');
    // A value cannot widen or change a selector: anything outside the label alphabet is hashed.
    assert.match(ownerSelector({ run: 'r1,berth.dev/managed!=true' }), /^berth\.dev\/managed=true,owner\.berth\.dev\/run=h\.[0-9a-f]{40}$/);
  });
});
