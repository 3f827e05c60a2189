import type { OwnerLabels } from '../driver.ts';
import { shortHash } from './kube-names.ts';

/** Marks every object Berth creates; list selectors start from it. */
export const MANAGED_LABEL = 'berth.dev/managed';
/** The object name of the workload, on its Pod(s), Deployment and Service (Deployment selectors use it). */
export const WORKLOAD_LABEL = 'berth.dev/workload';
/** "pod" or "deployment": how the workload runs. */
export const KIND_LABEL = 'berth.dev/kind';
const OWNER_PREFIX = 'owner.berth.dev/';
const ID_ANNOTATION = 'berth.dev/id';
const LOG_ANNOTATION = 'berth.dev/log-path';
const ERR_LOG_ANNOTATION = 'berth.dev/err-log-path';
const LOG_OFFSET_ANNOTATION = 'berth.dev/log-offset';
const ERR_LOG_OFFSET_ANNOTATION = 'berth.dev/err-log-offset';

export type WorkloadKind = 'pod' | 'deployment';

/**
 * A label value for any string: the value itself when Kubernetes allows it (at most 63 of
 * [A-Za-z0-9_.-], alphanumeric at both ends), else `h.` + a hash (paths, long names). The original
 * is kept in an annotation; selectors encode the value they look for the same way.
 */
export function labelValue(value: string): string {
  if (/^(?:[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?)?$/.test(value)) return value;
  return `h.${shortHash(value, 40)}`;
}

/** The labels of a workload's objects: managed, its name and kind, and who owns it. */
export function workloadLabels(name: string, kind: WorkloadKind, owner: OwnerLabels): Record<string, string> {
  return { [MANAGED_LABEL]: 'true', [WORKLOAD_LABEL]: name, [KIND_LABEL]: kind, ...ownerLabels(owner) };
}

/** Owner labels alone (volume claims carry these). */
export function ownerLabels(owner: OwnerLabels): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(owner)) if (value !== undefined) out[OWNER_PREFIX + key] = labelValue(value);
  return out;
}

/** The label selector for the workloads whose owner labels include all of `owner`. */
export function ownerSelector(owner: OwnerLabels): string {
  return [`${MANAGED_LABEL}=true`, ...Object.entries(ownerLabels(owner)).map(([k, v]) => `${k}=${v}`)].join(',');
}

/** Where a workload's output is copied, as in the docker driver (offsets: the files' sizes at creation). */
export interface LogFiles {
  path: string;
  errPath?: string;
  offset: number;
  errOffset: number;
}

/** The annotations that give back what labels cannot hold: the id, the log files, owner values verbatim. */
export function workloadAnnotations(id: string, owner: OwnerLabels, files: LogFiles): Record<string, string> {
  const out: Record<string, string> = { [ID_ANNOTATION]: id, [LOG_ANNOTATION]: files.path, [LOG_OFFSET_ANNOTATION]: String(files.offset) };
  if (files.errPath !== undefined) Object.assign(out, { [ERR_LOG_ANNOTATION]: files.errPath, [ERR_LOG_OFFSET_ANNOTATION]: String(files.errOffset) });
  for (const [key, value] of Object.entries(owner)) if (value !== undefined) out[OWNER_PREFIX + key] = value;
  return out;
}

/** Reads back what workloadAnnotations wrote; null for an object that is not a Berth workload. */
export function parseWorkloadAnnotations(annotations: Record<string, string> | undefined): { id: string; owner: OwnerLabels; files: LogFiles } | null {
  const id = annotations?.[ID_ANNOTATION];
  if (!annotations || !id) return null;
  const owner: Record<string, string> = {};
  for (const [key, value] of Object.entries(annotations)) if (key.startsWith(OWNER_PREFIX)) owner[key.slice(OWNER_PREFIX.length)] = value;
  const errPath = annotations[ERR_LOG_ANNOTATION];
  const offset = (key: string): number => Number(annotations[key] ?? 0) || 0;
  const files: LogFiles = { path: annotations[LOG_ANNOTATION] ?? '', ...(errPath ? { errPath } : {}), offset: offset(LOG_OFFSET_ANNOTATION), errOffset: offset(ERR_LOG_OFFSET_ANNOTATION) };
  return { id, owner: owner as OwnerLabels, files };
}
