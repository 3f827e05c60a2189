import type { V1Node, V1Pod } from '@kubernetes/client-node';

/**
 * The nodes that already hold `image` (pure): those whose status.images lists it, as the kubelet
 * reports them (fully qualified names: docker.io/library/busybox:1.36) — at most 50 images per
 * node by default (the kubelet's nodeStatusMaxImages), so `ranOn` adds the nodes a pod of the image
 * was seen running on (NodeImages records them from pod status). Nodes that are not Ready or are
 * unschedulable are left out, as are nodes that are gone: pinning a workload to them would leave it Pending.
 */
export function nodesHoldingImage(nodes: readonly V1Node[], image: string, ranOn: ReadonlySet<string> = new Set()): string[] {
  const wanted = normalizeImage(image);
  const out: string[] = [];
  for (const node of nodes) {
    const name = node.metadata?.labels?.['kubernetes.io/hostname'] ?? node.metadata?.name;
    if (!name || node.spec?.unschedulable) continue;
    if (node.status?.conditions?.find((c) => c.type === 'Ready')?.status !== 'True') continue;
    const listed = node.status?.images?.some((i) => (i.names ?? []).some((n) => normalizeImage(n) === wanted));
    if (listed || ranOn.has(node.metadata?.name ?? '')) out.push(name);
  }
  return out.sort();
}

/** The images a pod shows on its node once its container started (what it asked for and what the kubelet reports), normalized. */
export function podImagesOnNode(pod: V1Pod): { node: string; images: string[] } | null {
  const node = pod.spec?.nodeName;
  const status = pod.status?.containerStatuses?.[0];
  if (!node || !status || !(status.state?.running || status.state?.terminated?.startedAt || status.lastState?.terminated)) return null;
  const images = [pod.spec?.containers[0]?.image, status.image].filter((i): i is string => !!i && !i.startsWith('sha256:'));
  return { node, images: [...new Set(images.map(normalizeImage))] };
}

/** docker.io/library/ and :latest made explicit, so "busybox" and "docker.io/library/busybox:latest" match. */
export function normalizeImage(ref: string): string {
  if (ref.includes('@')) return ref;
  const slash = ref.indexOf('/');
  const first = slash === -1 ? '' : ref.slice(0, slash);
  const hasRegistry = first.includes('.') || first.includes(':') || first === 'localhost';
  let name = hasRegistry ? ref : `docker.io/${slash === -1 ? `library/${ref}` : ref}`;
  if (!/:[^/]+$/.test(name)) name += ':latest';
  return name;
}
