import type { StateChange } from '../store/state-change.ts';

const RUN_VERBS = ['created', 'started', 'cancelled', 'failed', 'succeeded'] as const;
const JOB_RUN_VERBS = [...RUN_VERBS, 'deleted'] as const;

/** Every event type Berth records, with Orchest's names (the `ping` test type is never stored). */
export const EVENT_TYPES: readonly string[] = [
  'project:created',
  'project:updated',
  'project:deleted',
  'project:pipeline:created',
  'project:pipeline:updated',
  'project:pipeline:deleted',
  ...RUN_VERBS.map((v) => `project:pipeline:interactive-session:pipeline-run:${v}`),
  ...['created', 'started', 'updated', 'deleted', 'cancelled', 'failed', 'succeeded'].map((v) => `project:one-off-job:${v}`),
  ...JOB_RUN_VERBS.map((v) => `project:one-off-job:pipeline-run:${v}`),
  // There is deliberately no `cron-job:succeeded`: a cron job never ends by itself.
  ...['created', 'started', 'updated', 'deleted', 'cancelled', 'failed', 'paused', 'unpaused'].map((v) => `project:cron-job:${v}`),
  ...['started', 'succeeded', 'failed'].map((v) => `project:cron-job:run:${v}`),
  ...JOB_RUN_VERBS.map((v) => `project:cron-job:run:pipeline-run:${v}`),
  ...['started', 'stopped', 'failed'].map((v) => `project:pipeline:interactive-session:${v}`),
  // Berth's own, in Orchest's tree: a kernel of the session's Jupyter server, a shell in an environment.
  ...['started', 'stopped'].map((v) => `project:pipeline:interactive-session:kernel:${v}`),
  ...['started', 'stopped'].map((v) => `project:environment:shell:${v}`),
  ...['started', 'succeeded', 'failed'].map((v) => `project:environment:image-build:${v}`),
  ...['created', 'deleted'].map((v) => `project:service:${v}`),
];

export const PING_EVENT_TYPE = 'ping';

/** What a change is about, as far as naming its event goes. */
export interface ChangeSubject {
  /** null: not a job run / not a job; 'cron' or 'one-off' otherwise. */
  jobKind: 'cron' | 'one-off' | null;
}

/** The Orchest event type of a change, or null when the change has no event of its own. */
export function eventTypeOf(change: StateChange, subject: ChangeSubject): string | null {
  switch (change.entity) {
    case 'project':
      return `project:${change.verb}`;
    case 'pipeline':
      return `project:pipeline:${change.verb}`;
    case 'run':
      if (subject.jobKind === 'cron') return `project:cron-job:run:pipeline-run:${change.verb}`;
      if (subject.jobKind === 'one-off') return `project:one-off-job:pipeline-run:${change.verb}`;
      return change.verb === 'deleted' ? null : `project:pipeline:interactive-session:pipeline-run:${change.verb}`;
    case 'job': {
      const kind = subject.jobKind === 'cron' ? 'cron-job' : 'one-off-job';
      const type = `project:${kind}:${change.verb}`;
      return EVENT_TYPES.includes(type) ? type : null;
    }
    case 'job-batch':
      return subject.jobKind === 'cron' ? `project:cron-job:run:${change.verb}` : null;
    case 'session':
      return `project:pipeline:interactive-session:${change.verb}`;
    case 'environment-build':
      return `project:environment:image-build:${change.verb}`;
    case 'service':
      return `project:service:${change.verb}`;
    case 'kernel':
      return `project:pipeline:interactive-session:kernel:${change.verb}`;
    case 'environment-shell':
      return `project:environment:shell:${change.verb}`;
  }
}
