import type { Kysely } from 'kysely';
import type { Database } from './tables.ts';

/** A state change a repository made, reported inside the transaction that made it. */
export type StateChange =
  | { entity: 'project'; verb: 'created' | 'updated' | 'deleted'; projectUuid: string }
  | { entity: 'pipeline'; verb: 'created' | 'updated' | 'deleted'; projectUuid: string; pipelineUuid: string }
  | { entity: 'run'; verb: RunVerb; runUuid: string }
  | { entity: 'job'; verb: JobVerb; jobUuid: string }
  | { entity: 'job-batch'; verb: 'started' | 'succeeded' | 'failed'; jobUuid: string; jobRunIndex: number }
  | { entity: 'session'; verb: 'started' | 'stopped' | 'failed'; sessionUuid: string }
  | { entity: 'environment-build'; verb: 'started' | 'succeeded' | 'failed'; build: EnvironmentBuild }
  | { entity: 'service'; verb: 'created' | 'deleted'; projectUuid: string; service: ServiceSummary }
  | { entity: 'kernel'; verb: 'started' | 'stopped'; sessionUuid: string; kernel: KernelSummary }
  | { entity: 'environment-shell'; verb: 'started' | 'stopped'; projectUuid: string; shell: ShellSummary };

/** A kernel of an interactive session's Jupyter server, as its event names it. */
export interface KernelSummary {
  /** Jupyter's kernel id. */
  id: string;
  /** The kernelspec's name (`orchest-kernel-<environment uuid>` for an environment's kernel). */
  name: string;
  /** The project environment the kernel runs in (environment kernels only). */
  environment?: { uuid: string; name: string };
}

/** An environment shell, as its event names it. */
export interface ShellSummary {
  /** Berth's id of this shell (pairs a `started` with its `stopped`). */
  id: string;
  environmentUuid: string;
  environmentName: string;
  /** How the shell ended (`stopped` only; null when it was ended by a signal). */
  exitCode?: number | null;
}

/** An environment image build (a `builds` row; the event carries what it says at the time). */
export interface EnvironmentBuild {
  /** The build's row (absent for builds made without a store, e.g. in unit tests). */
  uuid?: string;
  /** The project folder the build is for (null: not known to the caller). */
  projectDir: string | null;
  environmentUuid: string;
  environmentName: string;
  image: string;
  /** Why a build failed. */
  reason?: string;
}

/** What an event says about a project service (never its environment variables). */
export interface ServiceSummary {
  name: string;
  image: string;
  ports: number[];
}

export type RunVerb = 'created' | 'started' | 'succeeded' | 'failed' | 'cancelled' | 'deleted';
export type JobVerb = 'created' | 'started' | 'updated' | 'deleted' | 'cancelled' | 'failed' | 'succeeded' | 'paused' | 'unpaused';

/**
 * Called by repositories with the open transaction `tx` right after a change, so whatever it
 * writes (events, outbox deliveries) commits or rolls back with the change itself.
 */
export type StateChangeHook = (tx: Kysely<Database>, change: StateChange) => Promise<void>;

/** The run verb for a run end state. */
export function runEndVerb(status: string): RunVerb {
  return status === 'SUCCESS' ? 'succeeded' : status === 'ABORTED' ? 'cancelled' : 'failed';
}
