import type { V1Affinity, V1Container, V1PodSpec, V1ResourceRequirements } from '@kubernetes/client-node';
import { BerthError } from '../../errors.ts';
import type { WorkloadSpec } from '../driver.ts';
import type { KubeVolumes } from './kube-volumes.ts';
import type { KubeResources } from '../../config/kube-settings.ts';

/** The one container of every workload pod. */
export const CONTAINER = 'workload';
export const GPU_RESOURCE = 'nvidia.com/gpu';

export interface PodTemplateInput {
  volumes: KubeVolumes;
  resources: KubeResources;
  imagePullSecrets: string[];
  /** Interactive-scope workloads are pinned to these nodes (those that hold the image); empty: anywhere. */
  imageNodes: string[];
  restartPolicy: 'Never' | 'Always';
}

/**
 * The pod spec of a workload (pure). As in the docker runtime the command replaces the image's
 * entrypoint (with spec.imageEntrypoint it becomes the entrypoint's arguments), env is complete
 * (no service links, no service-account token: a workload gets nothing of Berth's own identity),
 * `user` "uid:gid" sets runAsUser/runAsGroup. Interactive-scope workloads (all but job runs, whose
 * ORCHEST_SESSION_TYPE is "noninteractive") get a required node affinity to `imageNodes` when
 * there are any, as Orchest scheduled them; the others schedule anywhere.
 */
export function podTemplate(spec: WorkloadSpec, input: PodTemplateInput): V1PodSpec {
  if (!spec.image || spec.image === 'host') {
    throw new BerthError('BERTH_E_INVALID_ARGUMENT', `workload ${spec.id} has no image: the kubernetes runtime runs every workload in a container`, {
      problems: [{ path: 'image', message: 'missing', fix: 'give the step an environment (or berth_image), or set BERTH_DOCKER_IMAGE' }],
    });
  }
  if (spec.command.length === 0 && !spec.imageEntrypoint) {
    throw new BerthError('BERTH_E_DRIVER', `workload ${spec.id} has an empty command`, { problems: [{ path: 'command', message: 'must name a program' }] });
  }
  const container: V1Container = {
    name: CONTAINER,
    image: spec.image,
    env: Object.entries(spec.env).map(([name, value]) => ({ name, value })),
  };
  if (!spec.imageEntrypoint) container.command = spec.command;
  else if (spec.command.length > 0) container.args = spec.command;
  if (spec.cwd !== '') container.workingDir = spec.cwd;
  if (spec.ports?.length) container.ports = spec.ports.map((p) => ({ containerPort: p, protocol: 'TCP' }));
  const resources = resourceRequirements(input.resources);
  if (resources) container.resources = resources;
  if (input.volumes.mounts.length > 0) container.volumeMounts = input.volumes.mounts;
  if (spec.user) container.securityContext = runAs(spec.user, spec.id);
  const pod: V1PodSpec = {
    containers: [container],
    restartPolicy: input.restartPolicy,
    enableServiceLinks: false,
    automountServiceAccountToken: false,
  };
  if (input.volumes.volumes.length > 0) pod.volumes = input.volumes.volumes;
  if (input.imagePullSecrets.length > 0) pod.imagePullSecrets = input.imagePullSecrets.map((name) => ({ name }));
  if (isInteractive(spec) && input.imageNodes.length > 0) pod.affinity = imageNodeAffinity(input.imageNodes);
  return pod;
}

/** Job runs (ORCHEST_SESSION_TYPE=noninteractive) are not interactive; steps of interactive runs, sessions, services and instances are. */
export function isInteractive(spec: WorkloadSpec): boolean {
  return spec.env.ORCHEST_SESSION_TYPE !== 'noninteractive';
}

export function imageNodeAffinity(nodes: string[]): V1Affinity {
  return {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [...nodes].sort() }] }],
      },
    },
  };
}

/** Requests and limits; GPUs go in both (Kubernetes requires extended resources to be equal there). */
export function resourceRequirements(r: KubeResources): V1ResourceRequirements | undefined {
  const requests: Record<string, string> = {};
  const limits: Record<string, string> = {};
  if (r.cpuRequest) requests.cpu = r.cpuRequest;
  if (r.memoryRequest) requests.memory = r.memoryRequest;
  if (r.cpuLimit) limits.cpu = r.cpuLimit;
  if (r.memoryLimit) limits.memory = r.memoryLimit;
  if (r.gpus) {
    if (!Number.isInteger(r.gpus) || r.gpus < 0) {
      throw new BerthError('BERTH_E_INVALID_ARGUMENT', `${r.gpus} GPUs is not a whole number`, { problems: [{ path: 'resources.gpus', message: 'must be a whole number', fix: 'e.g. 1' }] });
    }
    requests[GPU_RESOURCE] = limits[GPU_RESOURCE] = String(r.gpus);
  }
  const out: V1ResourceRequirements = {};
  if (Object.keys(requests).length > 0) out.requests = requests;
  if (Object.keys(limits).length > 0) out.limits = limits;
  return out.requests || out.limits ? out : undefined;
}

function runAs(user: string, id: string): { runAsUser: number; runAsGroup?: number } {
  const m = /^(\d+)(?::(\d+))?$/.exec(user);
  if (!m) {
    throw new BerthError('BERTH_E_INVALID_ARGUMENT', `workload ${id}: user "${user}" is not numeric`, {
      problems: [{ path: 'user', message: 'Kubernetes runs containers as numeric ids only', fix: 'give "uid:gid", e.g. "1000:1000"' }],
    });
  }
  return m[2] === undefined ? { runAsUser: Number(m[1]) } : { runAsUser: Number(m[1]), runAsGroup: Number(m[2]) };
}
