import type { V1Deployment, V1Job, V1ObjectMeta, V1OwnerReference, V1PersistentVolumeClaim, V1Service } from '@kubernetes/client-node';
import type { OwnerLabels, WorkloadSpec } from '../driver.ts';
import { kubeName } from './kube-names.ts';
import { type LogFiles, type WorkloadKind, WORKLOAD_LABEL, ownerLabels, workloadAnnotations, workloadLabels } from './kube-labels.ts';
import type { KubeResources, KubeSettings } from '../../config/kube-settings.ts';
import { kubeResources } from './kube-resources.ts';
import { kubeVolumes } from './kube-volumes.ts';
import { podTemplate } from './pod-template.ts';

/** Everything Kubernetes needs for one workload, as the driver creates it (and dry-run prints it). */
export interface WorkloadObjects {
  kind: WorkloadKind;
  name: string;
  /** A Job for run-once workloads (steps), a Deployment for restarting ones (services, sessions, instances). */
  workload: V1Job | V1Deployment;
  /** A ClusterIP Service named like the workload when it has ports (Berth's proxy reaches it by DNS). */
  service: V1Service | null;
  /**
   * One more Service per network alias that names the workload's session and is a DNS label
   * (`<service>-<session uuid>`, the name steps reach a session service by), selecting the same
   * pods. Bare aliases (`postgres`) get none: in a shared namespace they would point at whichever
   * session came first.
   */
  aliases: V1Service[];
  /** Claims of named volumes, created when missing and kept (they outlive the workload). */
  claims: V1PersistentVolumeClaim[];
}

export interface WorkloadObjectsInput {
  settings: KubeSettings;
  /** From ManagedDriver's labels; part of every name, so two installations never share objects. */
  installation?: string;
  logFiles?: LogFiles;
  /** Requests/limits/GPUs over everything else (the spec's own replace settings.resources: kubeResources). */
  resources?: KubeResources;
  imageNodes?: string[];
}

/**
 * The objects of a workload (pure). Run-once workloads (spec.restart unset or "no") are a Job with
 * backoffLimit 0 and restartPolicy Never, so the Job keeps its record after the pod ends; restarting
 * ones a one-replica Deployment (Recreate, restartPolicy Always: Kubernetes has no on-failure for
 * Deployments). Ports add a Service selecting the workload's pods, owned by the workload once
 * `owner` (its uid) is known.
 */
export function workloadObjects(spec: WorkloadSpec, input: WorkloadObjectsInput): WorkloadObjects {
  const { settings } = input;
  const name = kubeName(spec.id, input.installation);
  const kind: WorkloadKind = spec.restart === 'always' || spec.restart === 'on-failure' ? 'deployment' : 'pod';
  const volumes = kubeVolumes(spec.mounts ?? [], settings.volumes, input.installation);
  const pod = podTemplate(spec, {
    volumes,
    resources: { ...kubeResources(settings.resources, spec), ...input.resources },
    imagePullSecrets: settings.imagePullSecrets,
    imageNodes: input.imageNodes ?? [],
    restartPolicy: kind === 'pod' ? 'Never' : 'Always',
  });
  const files = input.logFiles ?? { path: spec.logPath, ...(spec.errLogPath !== undefined ? { errPath: spec.errLogPath } : {}), offset: 0, errOffset: 0 };
  const meta: V1ObjectMeta = { name, namespace: settings.namespace, labels: workloadLabels(name, kind, spec.labels), annotations: workloadAnnotations(spec.id, spec.labels, files) };
  const template = { metadata: { labels: { ...meta.labels }, annotations: { ...meta.annotations } }, spec: pod };
  const workload: V1Job | V1Deployment =
    kind === 'pod'
      ? { apiVersion: 'batch/v1', kind: 'Job', metadata: meta, spec: { backoffLimit: 0, template } }
      : { apiVersion: 'apps/v1', kind: 'Deployment', metadata: meta, spec: { replicas: 1, strategy: { type: 'Recreate' }, selector: { matchLabels: { [WORKLOAD_LABEL]: name } }, template } };
  const claims = volumes.namedClaims.map((c) => volumeClaim(c.claim, settings, { ...spec.labels, step: undefined, service: undefined }, c.volume));
  const service = spec.ports?.length ? workloadService(spec, name, settings.namespace, spec.labels, kind) : null;
  const session = spec.labels.session;
  const aliasNames = service && session ? [...new Set(spec.network?.aliases ?? [])].filter((a) => a !== name && a.includes(session) && DNS_1035.test(a)) : [];
  const aliases = aliasNames.map((alias) => ({ ...workloadService(spec, name, settings.namespace, spec.labels, kind), metadata: { ...service!.metadata, name: alias } }));
  return { kind, name, workload, service, aliases, claims };
}

const DNS_1035 = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** The Service in front of a workload's ports; `owner` makes Kubernetes delete it with the workload. */
export function workloadService(spec: WorkloadSpec, name: string, namespace: string, owner: OwnerLabels, kind: WorkloadKind, ownerRef?: V1OwnerReference): V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace, labels: workloadLabels(name, kind, owner), ...(ownerRef ? { ownerReferences: [ownerRef] } : {}) },
    spec: {
      type: 'ClusterIP',
      selector: { [WORKLOAD_LABEL]: name },
      ports: (spec.ports ?? []).map((port) => ({ name: `p${port}`, port, targetPort: port, protocol: 'TCP' })),
    },
  };
}

/** A ReadWriteMany claim (workloads of one volume may run on several nodes) of the configured class. */
export function volumeClaim(claim: string, settings: KubeSettings, owner: OwnerLabels, volume: string): V1PersistentVolumeClaim {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: claim, namespace: settings.namespace, labels: { 'berth.dev/managed': 'true', ...ownerLabels(owner) }, annotations: { 'berth.dev/volume': volume } },
    spec: {
      accessModes: ['ReadWriteMany'],
      ...(settings.storageClass ? { storageClassName: settings.storageClass } : {}),
      resources: { requests: { storage: settings.volumeSize } },
    },
  };
}

/** The owner reference of a created workload (for its Service). */
export function ownerReference(workload: V1Job | V1Deployment): V1OwnerReference {
  return { apiVersion: workload.apiVersion!, kind: workload.kind!, name: workload.metadata!.name!, uid: workload.metadata!.uid!, controller: true, blockOwnerDeletion: true };
}
