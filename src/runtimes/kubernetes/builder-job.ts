import type { V1Container, V1Job, V1Volume, V1VolumeMount } from '@kubernetes/client-node';
import type { KubeBuildSettings, KubeSettings } from '../../config/kube-settings.ts';
import { WORKLOAD_LABEL, labelValue } from './kube-labels.ts';
import { kubeName } from './kube-names.ts';
import { kubeVolumes } from './kube-volumes.ts';
import { CONTAINER } from './pod-template.ts';

/** Where the builder pod sees the folder holding the build context (context.tar.gz). */
export const WORKSPACE = '/workspace';
export const CONTEXT_FILE = 'context.tar.gz';
/** Marks builder Jobs (and their pods) apart from workloads. */
export const BUILD_LABEL = 'berth.dev/build';
/** The annotation naming the image a builder Job pushes. */
export const IMAGE_ANNOTATION = 'berth.dev/image';

export interface BuilderJobInput {
  settings: KubeSettings;
  build: KubeBuildSettings;
  /** The image to push (`<registry>/berth-env/<uuid>:<hash>`). */
  image: string;
  /** Host folder (in a BERTH_KUBE_VOLUMES mapping) holding context.tar.gz. */
  contextDir: string;
  /** Labels of the image (not of the Job). */
  imageLabels: Record<string, string>;
  installation?: string;
}

/**
 * The Job that builds one environment image on the cluster and pushes it (pure). The context is
 * the gzipped tar Berth wrote to `contextDir`, which the pod reads through the claim that maps it.
 * kaniko: the executor reads the tar itself; its digest goes to the termination message.
 * buildkit: rootless buildctl-daemonless.sh (no privileges: unconfined seccomp and AppArmor, user
 * 1000, no process sandbox), after unpacking the tar. The push credentials are the
 * dockerconfigjson Secret BERTH_KUBE_REGISTRY_SECRET, mounted where each builder looks. One try
 * (backoffLimit 0): a failed build is reported with its log, not retried.
 */
export function builderJob(input: BuilderJobInput): V1Job {
  const { settings, build, image } = input;
  const name = kubeName(`build-${image}`, input.installation);
  const volumes = kubeVolumes([{ source: input.contextDir, target: WORKSPACE, readOnly: true }], settings.volumes, input.installation);
  const podVolumes: V1Volume[] = [...volumes.volumes];
  const mounts: V1VolumeMount[] = [...volumes.mounts];
  const configDir = build.builder === 'kaniko' ? '/kaniko/.docker' : '/home/user/.docker';
  if (build.pushSecret) {
    podVolumes.push({ name: 'push-secret', secret: { secretName: build.pushSecret, items: [{ key: '.dockerconfigjson', path: 'config.json' }] } });
    mounts.push({ name: 'push-secret', mountPath: configDir, readOnly: true });
  }
  const labels: Record<string, string> = { 'berth.dev/managed': 'true', [WORKLOAD_LABEL]: name, [BUILD_LABEL]: 'true' };
  if (input.installation) labels['owner.berth.dev/installation'] = labelValue(input.installation);
  const container: V1Container =
    build.builder === 'kaniko'
      ? {
          name: CONTAINER,
          image: build.builderImage,
          args: [
            `--context=tar://${WORKSPACE}/${CONTEXT_FILE}`,
            '--dockerfile=Dockerfile',
            `--destination=${image}`,
            '--digest-file=/dev/termination-log',
            ...Object.entries(input.imageLabels).map(([k, v]) => `--label=${k}=${v}`),
            ...(build.insecure ? ['--insecure', '--skip-tls-verify'] : []),
          ],
          volumeMounts: mounts,
        }
      : {
          name: CONTAINER,
          image: build.builderImage,
          command: ['sh', '-c', buildkitScript(input.imageLabels)],
          env: [
            { name: 'BUILDKITD_FLAGS', value: '--oci-worker-no-process-sandbox' },
            { name: 'BERTH_IMAGE', value: image },
            { name: 'BERTH_OUTPUT', value: `type=image,name=${image},push=true${build.insecure ? ',registry.insecure=true' : ''}` },
          ],
          securityContext: { runAsUser: 1000, runAsGroup: 1000, seccompProfile: { type: 'Unconfined' } },
          volumeMounts: [...mounts, { name: 'buildkitd', mountPath: '/home/user/.local/share/buildkit' }],
        };
  if (build.builder === 'buildkit') podVolumes.push({ name: 'buildkitd', emptyDir: {} });
  const annotations: Record<string, string> = { [IMAGE_ANNOTATION]: image };
  const podAnnotations: Record<string, string> = build.builder === 'buildkit' ? { [`container.apparmor.security.beta.kubernetes.io/${CONTAINER}`]: 'unconfined' } : {};
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: settings.namespace, labels, annotations },
    spec: {
      backoffLimit: 0,
      template: {
        metadata: { labels, annotations: { ...annotations, ...podAnnotations } },
        spec: {
          containers: [container],
          restartPolicy: 'Never',
          enableServiceLinks: false,
          automountServiceAccountToken: false,
          volumes: podVolumes,
        },
      },
    },
  };
}

/** Unpacks the context and builds with a daemon of its own; the digest goes to the termination message. */
function buildkitScript(imageLabels: Record<string, string>): string {
  const opts = Object.entries(imageLabels).map(([k, v]) => ` --opt ${shellQuote(`label:${k}=${v}`)}`).join('');
  return [
    'set -e',
    'mkdir -p /tmp/context',
    `tar -xzf ${WORKSPACE}/${CONTEXT_FILE} -C /tmp/context`,
    `buildctl-daemonless.sh build --frontend dockerfile.v0 --local context=/tmp/context --local dockerfile=/tmp/context${opts} --output "$BERTH_OUTPUT" --metadata-file /tmp/metadata.json`,
    'sed -n \'s/.*"containerimage.digest": *"\\([^"]*\\)".*/\\1/p\' /tmp/metadata.json > /dev/termination-log',
  ].join('\n');
}

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
