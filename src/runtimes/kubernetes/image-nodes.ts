import type { V1Node } from '@kubernetes/client-node';

/**
 * The nodes that already hold `image` (pure), from each Node's status.images as the kubelet reports
 * them (fully qualified names: docker.io/library/busybox:1.36). Nodes that are not Ready or are
 * unschedulable are left out: pinning a workload to them would leave it Pending.
 */
export function nodesHoldingImage(nodes: readonly V1Node[], image: string): string[] {
  const wanted = normalizeImage(image);
  const out: string[] = [];
  for (const node of nodes) {
    const name = node.metadata?.labels?.['kubernetes.io/hostname'] ?? node.metadata?.name;
    if (!name || node.spec?.unschedulable) continue;
    if (node.status?.conditions?.find((c) => c.type === 'Ready')?.status !== 'True') continue;
    if (node.status?.images?.some((i) => (i.names ?? []).some((n) => normalizeImage(n) === wanted))) out.push(name);
  }
  return out.sort();
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
