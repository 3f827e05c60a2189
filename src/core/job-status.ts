/** A job's statuses (Orchest's, plus DRAFT and PAUSED). */
export const JOB_STATUSES = ['DRAFT', 'PENDING', 'STARTED', 'PAUSED', 'SUCCESS', 'ABORTED', 'FAILURE'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
