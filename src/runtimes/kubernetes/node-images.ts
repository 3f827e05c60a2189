import { type CoreV1Api, type Informer, type KubeConfig, type ObjectCache, type V1Node, type V1Pod, makeInformer } from '@kubernetes/client-node';
import { normalizeImage, nodesHoldingImage, podImagesOnNode } from './image-nodes.ts';

/**
 * Which nodes hold which image: from a Node informer (the kubelet reports each node's images,
 * at most 50 by default) and from the pods seen running an image on a node (`observe`, fed by
 * the driver's pod informer). Reading Nodes needs a ClusterRole (list/watch nodes); without
 * it — or when the watch is down — `holding` is empty and every workload schedules anywhere,
 * pulling its image (Berth cannot tell a Ready node from a gone one without reading Nodes).
 */
export class NodeImages {
  readonly #informer: Informer<V1Node> & ObjectCache<V1Node>;
  #up = false;
  /** Normalized image → names of the nodes a pod of it ran on. */
  readonly #ranOn = new Map<string, Set<string>>();

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

  /** Records the node a pod's image is on, once its container started there. */
  observe(pod: V1Pod): void {
    const seen = podImagesOnNode(pod);
    if (!seen) return;
    for (const image of seen.images) {
      let nodes = this.#ranOn.get(image);
      if (!nodes) this.#ranOn.set(image, (nodes = new Set()));
      nodes.add(seen.node);
    }
  }

  holding(image: string): string[] {
    return this.#up ? nodesHoldingImage(this.#informer.list(), image, this.#ranOn.get(normalizeImage(image))) : [];
  }
}
