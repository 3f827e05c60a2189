import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isBerthError } from '../../src/errors.ts';
import { DEFAULT_BUILDER_IMAGES, kubeSettings } from '../../src/config/kube-settings.ts';
import { builderJob } from '../../src/runtimes/kubernetes/builder-job.ts';
import { kubeName } from '../../src/runtimes/kubernetes/kube-names.ts';
import { labelValue } from '../../src/runtimes/kubernetes/kube-labels.ts';
import { validateKubeObject } from './kube-schema.ts';

const INSTALL = '/var/lib/berth';
const IMAGE = 'registry.example.com/team/berth-env/9a5f2c1e:0123456789abcdef';
const CONTEXT = '/var/lib/berth/builds/9a5f2c1e/0123456789abcdef.context';
const base = { BERTH_KUBE_NAMESPACE: 'ml', BERTH_KUBE_VOLUMES: '/var/lib/berth=berth-data', BERTH_KUBE_REGISTRY: 'registry.example.com/team', BERTH_KUBE_REGISTRY_SECRET: 'push-creds' };

describe('environment builder Jobs (pure)', () => {
  it('kaniko: the context tar from the mapped claim, the push secret as its docker config, the digest to the termination message; valid against the schema', async () => {
    const settings = kubeSettings(base);
    assert.deepEqual(settings.build, { registry: 'registry.example.com/team', builder: 'kaniko', builderImage: DEFAULT_BUILDER_IMAGES.kaniko, pushSecret: 'push-creds', insecure: false });
    const job = builderJob({ settings, build: settings.build!, image: IMAGE, contextDir: CONTEXT, imageLabels: { 'berth.managed': 'true', 'berth.environment': '9a5f2c1e' }, installation: INSTALL });
    const name = kubeName(`build-${IMAGE}`, INSTALL);
    const labels = { 'berth.dev/managed': 'true', 'berth.dev/workload': name, 'berth.dev/build': 'true', 'owner.berth.dev/installation': labelValue(INSTALL) };
    assert.deepEqual(job, {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name, namespace: 'ml', labels, annotations: { 'berth.dev/image': IMAGE } },
      spec: {
        backoffLimit: 0,
        template: {
          metadata: { labels, annotations: { 'berth.dev/image': IMAGE } },
          spec: {
            containers: [
              {
                name: 'workload',
                image: DEFAULT_BUILDER_IMAGES.kaniko,
                args: [
                  '--context=tar:///workspace/context.tar.gz',
                  '--dockerfile=Dockerfile',
                  `--destination=${IMAGE}`,
                  '--digest-file=/dev/termination-log',
                  '--label=berth.managed=true',
                  '--label=berth.environment=9a5f2c1e',
                ],
                volumeMounts: [
                  { name: 'v0', mountPath: '/workspace', readOnly: true, subPath: 'builds/9a5f2c1e/0123456789abcdef.context' },
                  { name: 'push-secret', mountPath: '/kaniko/.docker', readOnly: true },
                ],
              },
            ],
            restartPolicy: 'Never',
            enableServiceLinks: false,
            automountServiceAccountToken: false,
            volumes: [
              { name: 'v0', persistentVolumeClaim: { claimName: 'berth-data' } },
              { name: 'push-secret', secret: { secretName: 'push-creds', items: [{ key: '.dockerconfigjson', path: 'config.json' }] } },
            ],
          },
        },
      },
    });
    await validateKubeObject(job);
  });

  it('rootless BuildKit: unprivileged (user 1000, unconfined seccomp and AppArmor, no process sandbox), an insecure registry, its own image; valid', async () => {
    const settings = kubeSettings({ ...base, BERTH_KUBE_BUILDER: 'buildkit', BERTH_KUBE_BUILDER_IMAGE: 'mirror.example.com/buildkit:rootless', BERTH_KUBE_REGISTRY_INSECURE: '1' });
    const job = builderJob({ settings, build: settings.build!, image: IMAGE, contextDir: CONTEXT, imageLabels: { 'berth.environment': "it's" }, installation: INSTALL });
    const pod = job.spec!.template.spec!;
    const container = pod.containers[0]!;
    assert.equal(container.image, 'mirror.example.com/buildkit:rootless');
    assert.deepEqual(container.securityContext, { runAsUser: 1000, runAsGroup: 1000, seccompProfile: { type: 'Unconfined' } });
    assert.equal(job.spec!.template.metadata!.annotations!['container.apparmor.security.beta.kubernetes.io/workload'], 'unconfined');
    assert.deepEqual(container.env, [
      { name: 'BUILDKITD_FLAGS', value: '--oci-worker-no-process-sandbox' },
      { name: 'BERTH_IMAGE', value: IMAGE },
      { name: 'BERTH_OUTPUT', value: `type=image,name=${IMAGE},push=true,registry.insecure=true` },
    ]);
    assert.deepEqual(container.command!.slice(0, 2), ['sh', '-c']);
    assert.match(container.command![2]!, /tar -xzf \/workspace\/context\.tar\.gz -C \/tmp\/context/);
    assert.match(container.command![2]!, /buildctl-daemonless\.sh build --frontend dockerfile\.v0 .* --opt 'label:berth\.environment=it'\\''s' --output "\$BERTH_OUTPUT"/);
    assert.deepEqual(container.volumeMounts!.map((m) => m.mountPath), ['/workspace', '/home/user/.docker', '/home/user/.local/share/buildkit']);
    assert.deepEqual(pod.volumes!.map((v) => v.name), ['v0', 'push-secret', 'buildkitd']);
    await validateKubeObject(job);
    const kaniko = kubeSettings({ ...base, BERTH_KUBE_REGISTRY_INSECURE: 'true', BERTH_KUBE_REGISTRY_SECRET: '' });
    const anonymous = builderJob({ settings: kaniko, build: kaniko.build!, image: IMAGE, contextDir: CONTEXT, imageLabels: {} });
    assert.deepEqual(anonymous.spec!.template.spec!.containers[0]!.args!.slice(-2), ['--insecure', '--skip-tls-verify']);
    assert.deepEqual(anonymous.spec!.template.spec!.volumes!.map((v) => v.name), ['v0']);
    await validateKubeObject(anonymous);
  });

  it('refuses a context the cluster cannot see and bad registry settings, naming the variable and the fix', () => {
    const code = (fn: () => unknown, path: string): void => {
      assert.throws(fn, (e: unknown) => isBerthError(e) && e.problems?.[0]?.path === path && typeof e.problems?.[0]?.fix === 'string', path);
    };
    const settings = kubeSettings(base);
    code(() => builderJob({ settings, build: settings.build!, image: IMAGE, contextDir: '/home/me/.berth/builds/x.context', imageLabels: {} }), 'mounts[0].source');
    assert.equal(kubeSettings({ BERTH_KUBE_NAMESPACE: 'ml' }).build, null);
    code(() => kubeSettings({ BERTH_KUBE_BUILDER: 'buildkit' }), 'BERTH_KUBE_BUILDER');
    code(() => kubeSettings({ ...base, BERTH_KUBE_BUILDER: 'docker' }), 'BERTH_KUBE_BUILDER');
    code(() => kubeSettings({ ...base, BERTH_KUBE_REGISTRY: 'team' }), 'BERTH_KUBE_REGISTRY');
    code(() => kubeSettings({ ...base, BERTH_KUBE_REGISTRY: 'Registry.Example.com/x' }), 'BERTH_KUBE_REGISTRY');
    code(() => kubeSettings({ ...base, BERTH_KUBE_REGISTRY_SECRET: 'Not A Secret' }), 'BERTH_KUBE_REGISTRY_SECRET');
    code(() => kubeSettings({ ...base, BERTH_KUBE_REGISTRY_INSECURE: 'maybe' }), 'BERTH_KUBE_REGISTRY_INSECURE');
    assert.equal(kubeSettings({ ...base, BERTH_KUBE_REGISTRY: 'localhost:5000/' }).build!.registry, 'localhost:5000');
  });
});
