import { createHash } from 'node:crypto';

/**
 * The object name of a workload (its Pod, or Deployment and Service): unique per installation and
 * id, so a start finds (and adopts) what an earlier start created. A DNS-1035 label (a Service name
 * must be one): lower-case letters, digits and '-', starting with a letter, at most 63 characters.
 */
export function kubeName(id: string, installation: string | undefined): string {
  const scope = shortHash(installation ?? '', 6);
  const clean = id.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '');
  const fits = clean === id && clean.length <= 63 - 'b--'.length - scope.length;
  return `b-${scope}-${fits ? clean : `${clean.slice(0, 40).replace(/-+$/, '')}-${shortHash(id, 12)}`}`;
}

/** The PersistentVolumeClaim behind a named volume (WorkloadSpec mounts of type "volume"). */
export function volumeClaimName(volume: string, installation: string | undefined): string {
  return kubeName(`vol-${volume}`, installation);
}

export function shortHash(text: string, length: number): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}
