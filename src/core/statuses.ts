/** Run and step statuses are Orchest's. End states never change. */
export const STATUSES = ['PENDING', 'STARTED', 'SUCCESS', 'FAILURE', 'ABORTED'] as const;
export type Status = (typeof STATUSES)[number];

export const END_STATES: readonly Status[] = ['SUCCESS', 'FAILURE', 'ABORTED'];
export const ACTIVE_STATES: readonly Status[] = ['PENDING', 'STARTED'];

export function isEndState(s: Status): boolean {
  return END_STATES.includes(s);
}

export const RUN_TYPES = ['full', 'selection', 'incoming'] as const;
export type RunType = (typeof RUN_TYPES)[number];
