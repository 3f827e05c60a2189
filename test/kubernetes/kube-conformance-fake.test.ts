import { after } from 'node:test';
import { kubeSettings } from '../../src/config/kube-settings.ts';
import { runDriverConformance } from '../../src/runtimes/conformance/driver-conformance.ts';
import { KubernetesDriver } from '../../src/runtimes/kubernetes/kubernetes-driver.ts';
import { FakeKubeApi } from './fake-kube-api.ts';
import { ProcessKubelet } from './process-kubelet.ts';

/**
 * The driver conformance suite the process and docker drivers pass, run against a local fake API
 * server whose kubelet runs host processes (ProcessKubelet) — NOT a cluster: it checks the driver's
 * side of the contract (Jobs, the pod informer, log and exec APIs, delete with grace, adoption by
 * labels) through the real client. kubernetes-conformance.test.ts runs the same suite on a real
 * cluster when KUBECONFIG is set.
 */
const api = new FakeKubeApi();
const url = await api.start();
const kubelet = new ProcessKubelet(api);
after(async () => {
  kubelet.stop();
  await api.stop();
});
runDriverConformance('kubernetes (fake API, host-process kubelet)', () => new KubernetesDriver({ kubeConfig: api.kubeConfig(url), settings: kubeSettings({ BERTH_KUBE_NAMESPACE: 'berth' }) }), { image: 'busybox:1.36' });
