import { BerthError } from '../../errors.ts';
import type { WorkloadSpec } from '../driver.ts';
import type { PodOutcome } from './pod-outcome.ts';

/** A pod that cannot start until someone acts (image pull errors, bad config): the pod's own reason. */
export function stuckError(spec: WorkloadSpec, outcome: Extract<PodOutcome, { state: 'stuck' }>): BerthError {
  if (outcome.imagePull) {
    return new BerthError('BERTH_E_IMAGE_NOT_FOUND', `image "${spec.image}" cannot be pulled by the cluster (${outcome.reason}: ${outcome.message})`, {
      problems: [{ path: 'image', message: outcome.reason, fix: 'push the image to a registry the nodes reach, and set BERTH_KUBE_IMAGE_PULL_SECRETS when it needs credentials' }],
      details: { image: spec.image ?? '' },
    });
  }
  return new BerthError('BERTH_E_DRIVER', `workload ${spec.id} cannot start: ${outcome.reason}: ${outcome.message}`, { details: { id: spec.id, reason: outcome.reason } });
}

/** The cluster refuses to create the Deployment's pod (quota, LimitRange, admission): nothing will run until someone acts. */
export function refusedError(spec: WorkloadSpec, name: string, namespace: string, failure: { reason: string; message: string }): BerthError {
  return new BerthError('BERTH_E_DRIVER', `workload ${spec.id} cannot start: the cluster refuses to create its pod (${failure.reason}: ${failure.message})`, {
    problems: [{ path: 'berth_resources', message: failure.reason, fix: `read why: kubectl -n ${namespace} describe replicaset -l berth.dev/workload=${name}; then lower the workload's berth_resources or ask for a larger ResourceQuota` }],
    details: { id: spec.id, reason: failure.reason },
  });
}
