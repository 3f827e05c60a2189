import type { RuntimeName } from '../config/config.ts';
import type { JsonObject } from '../core/pipeline-types.ts';
import type { RunType } from '../core/statuses.ts';
import type { RunObserver } from './run-events.ts';

/** What to run and how: the input of Engine.runPipeline (and of job batches). */
export interface RunOptions {
  pipelinePath: string;
  /** full (default), selection (the chosen steps) or incoming (their ancestors, not themselves). */
  runType?: RunType;
  /** Step uuids or titles, for selection / incoming runs. */
  steps?: string[];
  failFast?: boolean;
  /** Overrides of the file's parameters; step keys are step uuids or titles. */
  params?: { pipeline?: JsonObject; steps?: Record<string, JsonObject> };
  /** Run-level environment variables (win over project and pipeline variables). */
  env?: Record<string, string>;
  /** Ctrl-C: cancels the run. */
  signal?: AbortSignal;
  observe?: RunObserver;
  /** The runtime for this run (default: config.runtime). */
  runtime?: RuntimeName;
  /** The registered project folder the file belongs to (else found from `.orchest`/`.git`). */
  projectDir?: string;
  /** interactive (default: queued per pipeline, joins the pipeline's session) or job (its own noninteractive services). */
  kind?: 'interactive' | 'job';
  /** Called once the run is stored (before it may have to queue), e.g. so a server can answer with its id. */
  onCreated?: (runUuid: string) => void;
  /** A job run: its pre-chosen uuid (linked to the job beforehand) and the job's project. */
  job?: { runUuid: string; projectUuid: string };
}
