import type { V1Deployment } from '@kubernetes/client-node';

/**
 * Why a Deployment's pods cannot be made, or null (pure). The ReplicaSet controller sets
 * ReplicaFailure (reason FailedCreate) when the API refuses its pod — an exceeded ResourceQuota, a
 * LimitRange, Pod Security admission, a webhook — and the Deployment controller copies it to the
 * Deployment's status, as the Deployment reference describes. No pod ever appears, so the pod watch
 * alone would wait for nothing.
 */
export function deploymentFailure(deployment: V1Deployment): { reason: string; message: string } | null {
  const failure = deployment.status?.conditions?.find((c) => c.type === 'ReplicaFailure' && c.status === 'True');
  return failure ? { reason: failure.reason ?? 'ReplicaFailure', message: failure.message ?? '' } : null;
}

/** The replicas the Deployment asks for (a stopped workload is scaled to 0). */
export function wantedReplicas(deployment: V1Deployment): number {
  return deployment.spec?.replicas ?? 1;
}
