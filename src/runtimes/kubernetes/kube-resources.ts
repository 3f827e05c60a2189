import type { KubeResources } from '../../config/kube-settings.ts';
import type { WorkloadSpec } from '../driver.ts';

/**
 * A workload's requests and limits (pure): the installation's defaults (BERTH_KUBE_CPU_REQUEST…),
 * with the spec's own replacing them resource by resource — a spec that says anything about CPU
 * (request or limit) drops both CPU defaults, and the same for memory, so a default can never
 * end up above or below what the spec asked for (Kubernetes refuses a request above its limit).
 * GPUs come from the spec alone.
 */
export function kubeResources(defaults: KubeResources, spec: Pick<WorkloadSpec, 'requests' | 'limits' | 'gpus'>): KubeResources {
  const out: KubeResources = {};
  const pairs = [
    { request: 'cpuRequest', limit: 'cpuLimit', field: 'cpus', quantity: cpuQuantity },
    { request: 'memoryRequest', limit: 'memoryLimit', field: 'memoryBytes', quantity: memoryQuantity },
  ] as const;
  for (const { request, limit, field, quantity } of pairs) {
    const own = { [request]: spec.requests?.[field], [limit]: spec.limits?.[field] };
    const fromSpec = Object.values(own).some((v) => v !== undefined);
    for (const key of [request, limit]) {
      if (!fromSpec && defaults[key]) out[key] = defaults[key];
      if (fromSpec && own[key] !== undefined) out[key] = quantity(own[key]);
    }
  }
  if (spec.gpus) out.gpus = spec.gpus;
  return out;
}

/** CPUs as a Kubernetes quantity: whole CPUs as a number ("2"), else millicores ("500m"). */
export function cpuQuantity(cpus: number): string {
  const milli = Math.max(1, Math.round(cpus * 1000));
  return milli % 1000 === 0 ? String(milli / 1000) : `${milli}m`;
}

/** Bytes as a Kubernetes quantity in the largest binary unit that divides them ("4Gi", "1536Mi", "100"). */
export function memoryQuantity(bytes: number): string {
  for (const [unit, size] of [['Ti', 2 ** 40], ['Gi', 2 ** 30], ['Mi', 2 ** 20], ['Ki', 2 ** 10]] as const) {
    if (bytes % size === 0) return `${bytes / size}${unit}`;
  }
  return String(bytes);
}
