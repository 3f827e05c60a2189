import { createHash } from 'node:crypto';

/**
 * The container name of a workload: unique per installation and id, so a start can find (and adopt)
 * the container of an earlier start by name. Docker names allow [a-zA-Z0-9][a-zA-Z0-9_.-]*.
 */
export function containerName(id: string, installation: string | undefined): string {
  const scope = createHash('sha256').update(installation ?? '').digest('hex').slice(0, 8);
  const clean = id.replace(/[^a-zA-Z0-9_.-]/g, '-');
  const safe = clean === id && clean.length <= 100 ? clean : `${clean.slice(0, 80)}-${createHash('sha256').update(id).digest('hex').slice(0, 12)}`;
  return `berth-${scope}-${safe}`;
}
