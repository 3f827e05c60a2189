import type { Status } from '../core/statuses.ts';

/** What a run reports while it goes: the CLI draws progress from these, the server will stream them. */
export type RunEvent =
  | { type: 'run-queued'; runUuid: string; waitingFor: string }
  | { type: 'run-started'; runUuid: string; steps: number }
  /** A line of starting (or joining) the pipeline's session before the steps of an interactive run: its services. */
  | { type: 'session-progress'; runUuid: string; line: string }
  | { type: 'step-started'; runUuid: string; stepUuid: string; title: string }
  | { type: 'step-finished'; runUuid: string; stepUuid: string; title: string; status: Status; exitCode: number | null; reason: string | null }
  | { type: 'run-cancelling'; runUuid: string; reason: string }
  /** A line of slow step preparation, e.g. building the step's environment image. */
  | { type: 'step-progress'; runUuid: string; stepUuid: string; title: string; line: string }
  | { type: 'run-finished'; runUuid: string; status: Status };

export type RunObserver = (event: RunEvent) => void;
