import { posix } from 'node:path';
import type { V1Volume, V1VolumeMount } from '@kubernetes/client-node';
import { BerthError } from '../../errors.ts';
import type { Mount } from '../driver.ts';
import { volumeClaimName } from './kube-names.ts';
import type { VolumeMapping } from '../../config/kube-settings.ts';

export interface KubeVolumes {
  volumes: V1Volume[];
  mounts: V1VolumeMount[];
  /** Claims of named volumes, which Berth creates when they are missing (the mapped ones exist already). */
  namedClaims: Array<{ volume: string; claim: string }>;
}

/**
 * A workload's mounts as pod volumes (pure). A bind mount's host folder must lie in a mapped folder
 * (BERTH_KUBE_VOLUMES): it becomes that claim with the rest of the path (under the mapping's own
 * subPath) as subPath, so the data
 * folder and the project are the same files Berth sees. A named volume is a claim of its own.
 */
export function kubeVolumes(mounts: Mount[], mappings: VolumeMapping[], installation: string | undefined): KubeVolumes {
  const out: KubeVolumes = { volumes: [], mounts: [], namedClaims: [] };
  const volumeFor = (claim: string): string => {
    const existing = out.volumes.find((v) => v.persistentVolumeClaim?.claimName === claim);
    if (existing) return existing.name;
    const name = `v${out.volumes.length}`;
    out.volumes.push({ name, persistentVolumeClaim: { claimName: claim } });
    return name;
  };
  mounts.forEach((m, i) => {
    const readOnly = m.readOnly ?? false;
    if (m.type === 'volume') {
      const claim = volumeClaimName(m.source, installation);
      if (!out.namedClaims.some((c) => c.claim === claim)) out.namedClaims.push({ volume: m.source, claim });
      out.mounts.push({ name: volumeFor(claim), mountPath: m.target, readOnly });
      return;
    }
    const source = posix.normalize(m.source);
    const mapping = [...mappings].sort((a, b) => b.hostPath.length - a.hostPath.length).find((v) => source === v.hostPath || source.startsWith(`${v.hostPath}/`));
    if (!mapping) {
      throw new BerthError('BERTH_E_INVALID_ARGUMENT', `mount ${source} → ${m.target} is a host folder the cluster cannot see`, {
        problems: [{ path: `mounts[${i}].source`, message: `${source} is in no folder of BERTH_KUBE_VOLUMES`, fix: `put Berth's home on a ReadWriteMany claim and map it, e.g. BERTH_KUBE_VOLUMES=${posix.dirname(source)}=berth-data` }],
      });
    }
    const subPath = posix.join(mapping.subPath, posix.relative(mapping.hostPath, source)).replace(/^\.$/, '');
    out.mounts.push({ name: volumeFor(mapping.claim), mountPath: m.target, readOnly, ...(subPath ? { subPath } : {}) });
  });
  return out;
}
