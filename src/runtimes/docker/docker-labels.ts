import type { OwnerLabels } from '../driver.ts';

/** Marks every container, network and image Berth creates; list filters start from it. */
export const MANAGED_LABEL = 'berth.managed';
const ID_LABEL = 'berth.id';
const LOG_LABEL = 'berth.log-path';
const ERR_LOG_LABEL = 'berth.err-log-path';
const LOG_OFFSET_LABEL = 'berth.log-offset';
const ERR_LOG_OFFSET_LABEL = 'berth.err-log-offset';
const OWNER_PREFIX = 'berth.owner.';

/** The labels a workload's container carries: who owns it, its workload id and its log file. */
export function workloadLabels(id: string, logPath: string, owner: OwnerLabels): Record<string, string> {
  return { [MANAGED_LABEL]: 'true', [ID_LABEL]: id, [LOG_LABEL]: logPath, ...ownerLabels(owner) };
}

/** Owner labels alone (networks and volumes carry these). */
export function ownerLabels(owner: OwnerLabels): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(owner)) if (value !== undefined) out[OWNER_PREFIX + key] = value;
  return out;
}

/** The Engine API's `label` filter for containers of workloads whose labels include all of `owner`. */
export function ownerFilter(owner: OwnerLabels): string[] {
  return [ID_LABEL, ...Object.entries(ownerLabels(owner)).map(([k, v]) => `${k}=${v}`)];
}

/** Reads back what workloadLabels wrote; null for a container that is not a Berth workload. */
export function parseWorkloadLabels(labels: Record<string, string> | undefined): { id: string; logPath: string; owner: OwnerLabels } | null {
  const id = labels?.[ID_LABEL];
  if (!labels || !id) return null;
  const owner: Record<string, string> = {};
  for (const [key, value] of Object.entries(labels)) if (key.startsWith(OWNER_PREFIX)) owner[key.slice(OWNER_PREFIX.length)] = value;
  return { id, logPath: labels[LOG_LABEL] ?? '', owner: owner as OwnerLabels };
}

/**
 * Where a container's output is copied: stdout (and stderr unless errPath) appended to `path`, stderr
 * to `errPath`. The offsets are the files' sizes when the container was created: whatever is past
 * them is this container's, so a re-copy (by an adopter) truncates there and appends the whole log.
 */
export interface LogFiles {
  path: string;
  errPath?: string;
  offset: number;
  errOffset: number;
}

/** The labels recording stderr's file and both offsets (the stdout path is in workloadLabels). */
export function logFileLabels(files: LogFiles): Record<string, string> {
  const labels: Record<string, string> = { [LOG_OFFSET_LABEL]: String(files.offset) };
  if (files.errPath !== undefined) Object.assign(labels, { [ERR_LOG_LABEL]: files.errPath, [ERR_LOG_OFFSET_LABEL]: String(files.errOffset) });
  return labels;
}

/** Reads back the log files of a workload's container (containers made before these labels: offset 0). */
export function parseLogFiles(labels: Record<string, string> | undefined): LogFiles {
  const errPath = labels?.[ERR_LOG_LABEL];
  const offset = (key: string): number => Number(labels?.[key] ?? 0) || 0;
  return { path: labels?.[LOG_LABEL] ?? '', ...(errPath ? { errPath } : {}), offset: offset(LOG_OFFSET_LABEL), errOffset: offset(ERR_LOG_OFFSET_LABEL) };
}
