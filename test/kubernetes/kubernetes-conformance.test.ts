import { test } from 'node:test';
import { loadConfig } from '../../src/config/config.ts';
import { runDriverConformance } from '../../src/runtimes/conformance/driver-conformance.ts';
import { loadKubeConfig } from '../../src/runtimes/kubernetes/kube-config-loader.ts';
import { KubernetesDriver } from '../../src/runtimes/kubernetes/kubernetes-driver.ts';

/**
 * The driver conformance suite the process and docker drivers pass, against a real cluster: it runs
 * when KUBECONFIG is set (namespace BERTH_KUBE_NAMESPACE, which must exist; image busybox:1.36, which
 * the nodes must be able to pull — `kind load docker-image busybox:1.36` on kind) and is skipped
 * with a notice otherwise. See README "Kubernetes" for kind and k3s.
 */
const config = loadConfig();
const { kubeconfig, settings } = config.kubernetes;
if (kubeconfig) {
  runDriverConformance('kubernetes', () => new KubernetesDriver({ kubeConfig: loadKubeConfig(kubeconfig), settings }), { image: 'busybox:1.36' });
} else {
  const why = 'no cluster: set KUBECONFIG (and BERTH_KUBE_NAMESPACE) to run the driver conformance suite against one';
  process.stderr.write(`NOTICE: skipping kubernetes driver conformance: ${why}\n`);
  test('kubernetes driver conformance (needs a cluster)', { skip: why }, () => {});
}
