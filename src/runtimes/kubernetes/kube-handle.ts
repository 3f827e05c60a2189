import type { V1Deployment, V1Job, V1Pod } from '@kubernetes/client-node';
import { BerthError } from '../../errors.ts';
import type { ExitStatus, WorkloadHandle } from '../driver.ts';
import { KIND_LABEL, type WorkloadKind, parseWorkloadAnnotations } from './kube-labels.ts';
import { podOutcome } from './pod-outcome.ts';

/** The exit a driver recorded on the workload once it saw it (a restarted Berth reads it back). */
export const EXIT_ANNOTATION = 'berth.dev/exit';

/** What a kubernetes handle's state holds: the workload object's name and kind, and its namespace. */
export interface KubeState {
  name: string;
  kind: WorkloadKind;
  namespace: string;
}

export function kubeState(handle: WorkloadHandle): KubeState {
  const { name, kind, namespace } = handle.state;
  if (handle.driver !== 'kubernetes' || typeof name !== 'string' || (kind !== 'pod' && kind !== 'deployment') || typeof namespace !== 'string') {
    throw new BerthError('BERTH_E_DRIVER', `handle of workload ${handle.id} was not made by the kubernetes driver (driver "${handle.driver}")`, { details: { id: handle.id, driver: handle.driver } });
  }
  return { name, kind, namespace };
}

/** A handle from a workload object: `port:<n>` is its Service's DNS name and port, which Berth's proxy dials. */
export function toHandle(workload: V1Job | V1Deployment): WorkloadHandle | null {
  const meta = workload.metadata;
  const parsed = parseWorkloadAnnotations(meta?.annotations);
  const kind = meta?.labels?.[KIND_LABEL];
  if (!parsed || !meta?.name || !meta.namespace || (kind !== 'pod' && kind !== 'deployment')) return null;
  const state: WorkloadHandle['state'] = { name: meta.name, kind, namespace: meta.namespace };
  const ports = workload.spec?.template.spec?.containers[0]?.ports ?? [];
  for (const p of [...ports].sort((a, b) => a.containerPort - b.containerPort)) state[`port:${p.containerPort}`] = `${meta.name}.${meta.namespace}.svc:${p.containerPort}`;
  return { id: parsed.id, driver: 'kubernetes', labels: parsed.owner, logPath: parsed.files.path, state };
}

/** The exit recorded on the workload object, if any. */
export function recordedExit(workload: V1Job | V1Deployment | null): ExitStatus | null {
  const raw = workload?.metadata?.annotations?.[EXIT_ANNOTATION];
  if (!raw) return null;
  try {
    const exit = JSON.parse(raw) as ExitStatus;
    return typeof exit === 'object' && exit !== null && 'code' in exit ? exit : null;
  } catch {
    return null;
  }
}

/** A Deployment pod's end: its terminated state, or the last one before a restart. */
export function lastExit(pod: V1Pod): ExitStatus | null {
  const outcome = podOutcome(pod, true);
  if (outcome.state === 'ended' && outcome.exit.code !== null) return outcome.exit;
  const last = pod.status?.containerStatuses?.[0]?.lastState?.terminated;
  return last ? { code: last.exitCode, signal: null } : outcome.state === 'ended' ? outcome.exit : null;
}
