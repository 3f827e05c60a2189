import type { V1Pod } from '@kubernetes/client-node';
import type { ExitStatus } from '../driver.ts';
import { CONTAINER } from './pod-template.ts';

/** Where a workload's pod is, as the driver's state machine needs it. */
export type PodOutcome =
  | { state: 'pending'; reason?: string }
  /** Cannot start until someone acts (image pull errors, bad config): start fails with the pod's reason. */
  | { state: 'stuck'; reason: string; message: string; imagePull: boolean }
  | { state: 'running' }
  | { state: 'ended'; exit: ExitStatus };

const IMAGE_PULL = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'ErrImageNeverPull']);
const STUCK = new Set(['CreateContainerConfigError', 'CreateContainerError', 'RunContainerError']);
/** The reason of an exit whose command could not be started (the driver writes it into the log). */
export const START_ERROR = 'cannot run the command: ';
const SIGNALS: Record<number, string> = { 1: 'SIGHUP', 2: 'SIGINT', 9: 'SIGKILL', 15: 'SIGTERM' };

/**
 * Reads a pod the way the Kubernetes API reference describes its status (pure): the container's
 * terminated state is the exit (OOMKilled named as the reason); a Failed phase without one is an
 * eviction (reason Evicted) or another kubelet decision; a pod being deleted because of a
 * disruption (DisruptionTarget: the taint manager after node loss, eviction API, preemption) or
 * deleted outright without a terminated state ended unobserved. `deleted`: the watch said DELETED.
 */
export function podOutcome(pod: V1Pod, deleted = false): PodOutcome {
  const status = pod.status;
  const container = status?.containerStatuses?.find((c) => c.name === CONTAINER);
  const terminated = container?.state?.terminated;
  if (terminated) {
    const exit: ExitStatus = { code: terminated.exitCode, signal: terminated.signal ? (SIGNALS[terminated.signal] ?? `signal ${terminated.signal}`) : null };
    // The runtime could not exec the command (containerd: StartError, exit 128): a shell's 127, as on the other runtimes.
    if ((terminated.reason === 'StartError' || terminated.reason === 'ContainerCannotRun') && /not found|no such file/i.test(terminated.message ?? '')) {
      return { state: 'ended', exit: { code: 127, signal: null, reason: `${START_ERROR}${terminated.message}` } };
    }
    if (terminated.reason === 'OOMKilled') exit.reason = 'OOMKilled: the container used more memory than its limit';
    else if (terminated.reason && terminated.reason !== 'Completed' && terminated.reason !== 'Error') exit.reason = `${terminated.reason}${terminated.message ? `: ${terminated.message}` : ''}`;
    return { state: 'ended', exit };
  }
  if (status?.phase === 'Failed' || status?.phase === 'Succeeded') {
    const why = status.reason === 'Evicted' ? `evicted: ${status.message ?? 'the node ran short of resources'}` : `${status.reason ?? `pod ${status.phase.toLowerCase()}`}${status.message ? `: ${status.message}` : ''}`;
    return { state: 'ended', exit: { code: null, signal: null, reason: why } };
  }
  const disruption = status?.conditions?.find((c) => c.type === 'DisruptionTarget' && c.status === 'True');
  if (deleted || (disruption && pod.metadata?.deletionTimestamp)) {
    const why = disruption
      ? disruption.reason === 'DeletionByTaintManager'
        ? `node lost: ${disruption.message ?? 'its node stopped answering'} (node ${pod.spec?.nodeName ?? 'unknown'})`
        : `${disruption.reason ?? 'disrupted'}: ${disruption.message ?? ''}`.replace(/: $/, '')
      : `pod ${pod.metadata?.name ?? ''} was deleted before its end was recorded`;
    return { state: 'ended', exit: { code: null, signal: null, reason: why } };
  }
  const waiting = container?.state?.waiting;
  if (waiting?.reason && (IMAGE_PULL.has(waiting.reason) || STUCK.has(waiting.reason))) {
    return { state: 'stuck', reason: waiting.reason, message: waiting.message ?? '', imagePull: IMAGE_PULL.has(waiting.reason) };
  }
  if (container?.state?.running && status?.phase === 'Running') return { state: 'running' };
  if (status?.phase === 'Unknown') return { state: 'pending', reason: `${status.reason ?? 'Unknown'}: the pod's node does not report` };
  const unschedulable = status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
  return { state: 'pending', reason: waiting?.reason ?? unschedulable?.message ?? undefined };
}
