import { KubeConfig } from '@kubernetes/client-node';
import { BerthError } from '../../errors.ts';

/**
 * The cluster to talk to: the kubeconfig file at `path` (KUBECONFIG) when given, else the client's
 * defaults (~/.kube/config, then the in-cluster service account). A context may name a namespace,
 * but Berth's namespace is BERTH_KUBE_NAMESPACE's.
 */
export function loadKubeConfig(path: string | undefined): KubeConfig {
  const kc = new KubeConfig();
  try {
    if (path) kc.loadFromFile(path);
    else kc.loadFromDefault();
  } catch (e) {
    throw new BerthError('BERTH_E_CONFIG', `cannot read the kubeconfig${path ? ` at ${path}` : ''}: ${e instanceof Error ? e.message : String(e)}`, {
      cause: e,
      problems: [{ path: 'KUBECONFIG', message: 'unreadable', fix: 'point KUBECONFIG at a valid kubeconfig (kubectl config view), or run Berth inside the cluster' }],
    });
  }
  if (!kc.getCurrentCluster()) {
    throw new BerthError('BERTH_E_CONFIG', 'the kubeconfig has no current cluster', {
      problems: [{ path: 'KUBECONFIG', message: 'no current context', fix: 'kubectl config use-context NAME' }],
    });
  }
  return kc;
}
