import { delimiter } from 'node:path';
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
    if (path) {
      // KUBECONFIG may list several files (merged, the first one's current context wins), as kubectl reads it.
      const [first, ...rest] = path.split(delimiter).filter(Boolean);
      kc.loadFromFile(first!);
      for (const file of rest) {
        const more = new KubeConfig();
        more.loadFromFile(file);
        kc.mergeConfig(more);
      }
    } else {
      kc.loadFromDefault();
      // The client's last resort when it finds nothing is http://localhost:8080, which is never a cluster.
      if (kc.getCurrentCluster()?.server === 'http://localhost:8080' && kc.getCurrentCluster()?.name === 'cluster') {
        throw new BerthError('BERTH_E_CONFIG', 'no Kubernetes cluster is configured: no KUBECONFIG, no ~/.kube/config, and Berth is not running in a cluster', {
          problems: [{ path: 'KUBECONFIG', message: 'not set', fix: 'set KUBECONFIG to your cluster\'s kubeconfig (kind and k3s write one), or use --runtime docker' }],
        });
      }
    }
  } catch (e) {
    if (e instanceof BerthError) throw e;
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
