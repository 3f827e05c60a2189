import { type CoreV1Api, type Informer, type KubeConfig, type ObjectCache, type V1Node, makeInformer } from '@kubernetes/client-node';
import { nodesHoldingImage } from './image-nodes.ts';

/**
 * Which nodes hold which image, from a Node informer (the kubelet reports each node's images).
 * Reading Nodes needs a ClusterRole (get/list/watch nodes); without it — or when the watch is down —
 * `holding` is empty and every workload schedules anywhere, pulling its image.
 */
export class NodeImages {
  readonly #informer: Informer<V1Node> & ObjectCache<V1Node>;
  #up = false;

  constructor(kubeConfig: KubeConfig, core: CoreV1Api) {
    this.#informer = makeInformer<V1Node>(kubeConfig, '/api/v1/nodes', () => core.listNode());
    this.#informer.on('error', () => {
      this.#up = false;
    });
    this.#informer.on('connect', () => {
      this.#up = true;
    });
  }

  async start(): Promise<void> {
    await this.#informer.start().catch(() => undefined);
  }

  async stop(): Promise<void> {
    this.#up = false;
    await this.#informer.stop();
  }

  holding(image: string): string[] {
    return this.#up ? nodesHoldingImage(this.#informer.list(), image) : [];
  }
}
