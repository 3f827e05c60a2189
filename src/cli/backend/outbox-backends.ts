import type { ParameterSet } from '../../core/parameter-grid.ts';
import type { JobInput } from '../../jobs/job-input.ts';
import type { BatchResult } from '../../jobs/job-service.ts';
import type { JobRunView, JobView } from '../../jobs/job-view.ts';
import type { EventFilter, EventPage, StoredEvent } from '../../events/event-feed.ts';
import type { DeliveryView, WebhookInput, WebhookView } from '../../events/webhook-service.ts';

/** What `berth job` uses: the in-process JobService, or a server's job routes. */
export interface JobBackend {
  preview(input: JobInput): Promise<ParameterSet[]>;
  /** `input.pipeline_path` is a local path (the server must see the same folder). */
  create(input: JobInput): Promise<JobView>;
  /** Runs (or, on a server, waits for) the first batch of a job created to run now; resolves when its runs end. */
  runNow(job: JobView): Promise<BatchResult>;
  list(opts: { status?: string }): Promise<JobView[]>;
  show(ref: string): Promise<{ job: JobView; runs: JobRunView[] }>;
  pause(ref: string): Promise<JobView>;
  resume(ref: string): Promise<JobView>;
  cancel(ref: string): Promise<JobView>;
  remove(ref: string): Promise<JobView>;
  /** Runs one batch now and resolves when its runs end. */
  trigger(ref: string): Promise<BatchResult>;
}

/** What `berth webhook` uses: the in-process WebhookService, or a server's webhook routes (admin token). */
export interface WebhookBackend {
  add(input: WebhookInput): Promise<{ webhook: WebhookView; generated_secret: string | null }>;
  update(ref: string, patch: Partial<WebhookInput>): Promise<WebhookView>;
  list(): Promise<WebhookView[]>;
  remove(ref: string): Promise<WebhookView>;
  ping(ref: string): Promise<{ delivery: string; ok: boolean; status: number | null; error: string | null }>;
  deliveries(opts: { webhook?: string; status?: string; limit?: number }): Promise<DeliveryView[]>;
  redeliver(ref: string): Promise<DeliveryView>;
}

/** What `berth events` uses: the local event log, or a server's event routes (pages and SSE). */
export interface EventBackend {
  list(filter: EventFilter & { limit?: number; before?: number }): Promise<EventPage>;
  /** Events recorded from now on, oldest first, until `signal` aborts. */
  follow(filter: EventFilter, signal: AbortSignal): AsyncIterable<StoredEvent>;
}
