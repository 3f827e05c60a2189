import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * Events, the webhook outbox (subscribers, subscriptions, deliveries), jobs and the link from a
 * run to its job. Append-only: never edit a migration that has shipped.
 */
export const migration0006EventsJobsWebhooks: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('events')
      .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('uuid', 'text', (c) => c.notNull().unique())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('project_uuid', 'text')
      .addColumn('job_uuid', 'text')
      .addColumn('run_uuid', 'text')
      .addColumn('payload_json', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('events_type').on('events').columns(['type', 'id']).execute();
    await db.schema.createIndex('events_project').on('events').columns(['project_uuid', 'id']).execute();

    await db.schema
      .createTable('subscribers')
      .addColumn('uuid', 'text', (c) => c.primaryKey())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull().unique())
      .addColumn('url', 'text', (c) => c.notNull())
      .addColumn('secret_sealed', 'text')
      .addColumn('content_type', 'text', (c) => c.notNull())
      .addColumn('format', 'text', (c) => c.notNull())
      .addColumn('verify_ssl', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('subscriptions')
      .addColumn('subscriber_uuid', 'text', (c) => c.notNull().references('subscribers.uuid').onDelete('cascade'))
      .addColumn('event_type', 'text', (c) => c.notNull())
      .addColumn('project_uuid', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('job_uuid', 'text', (c) => c.notNull().defaultTo(''))
      .addPrimaryKeyConstraint('subscriptions_pk', ['subscriber_uuid', 'event_type', 'project_uuid', 'job_uuid'])
      .execute();
    await db.schema.createIndex('subscriptions_type').on('subscriptions').column('event_type').execute();

    await db.schema
      .createTable('deliveries')
      .addColumn('uuid', 'text', (c) => c.primaryKey())
      .addColumn('event_uuid', 'text', (c) => c.notNull())
      .addColumn('event_type', 'text', (c) => c.notNull())
      .addColumn('subscriber_uuid', 'text', (c) => c.notNull().references('subscribers.uuid').onDelete('cascade'))
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull())
      .addColumn('scheduled_at', 'text', (c) => c.notNull())
      .addColumn('claimed_by', 'text')
      .addColumn('lease_until', 'text')
      .addColumn('payload_json', 'text', (c) => c.notNull())
      .addColumn('last_error', 'text')
      .addColumn('last_status_code', 'integer')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('delivered_at', 'text')
      .execute();
    // Covering: the dispatcher's due query reads only the index, never the (large) payloads.
    await db.schema.createIndex('deliveries_due').on('deliveries').columns(['status', 'scheduled_at', 'subscriber_uuid', 'uuid']).execute();

    await db.schema
      .createTable('jobs')
      .addColumn('uuid', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('project_uuid', 'text', (c) => c.notNull().references('projects.uuid').onDelete('cascade'))
      .addColumn('pipeline_uuid', 'text', (c) => c.notNull())
      .addColumn('pipeline_name', 'text', (c) => c.notNull())
      .addColumn('pipeline_path', 'text', (c) => c.notNull())
      .addColumn('schedule', 'text')
      .addColumn('timezone', 'text', (c) => c.notNull())
      .addColumn('scheduled_start', 'text')
      .addColumn('next_scheduled_time', 'text')
      .addColumn('last_scheduled_time', 'text')
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('parameters_json', 'text', (c) => c.notNull())
      .addColumn('grid_json', 'text', (c) => c.notNull())
      .addColumn('env_json', 'text', (c) => c.notNull())
      .addColumn('max_retained_pipeline_runs', 'integer', (c) => c.notNull())
      .addColumn('snapshot_dir', 'text', (c) => c.notNull())
      .addColumn('total_scheduled_executions', 'integer', (c) => c.notNull())
      .addColumn('total_scheduled_pipeline_runs', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('jobs_due').on('jobs').columns(['status', 'next_scheduled_time']).execute();

    // No foreign key to runs: the link is written just before its run so the run's events can name the job.
    await db.schema
      .createTable('job_runs')
      .addColumn('run_uuid', 'text', (c) => c.primaryKey())
      .addColumn('job_uuid', 'text', (c) => c.notNull().references('jobs.uuid').onDelete('cascade'))
      .addColumn('job_run_index', 'integer', (c) => c.notNull())
      .addColumn('job_run_pipeline_run_index', 'integer', (c) => c.notNull())
      .addColumn('pipeline_run_index', 'integer', (c) => c.notNull())
      .addColumn('batch_size', 'integer', (c) => c.notNull())
      .addColumn('parameters_json', 'text', (c) => c.notNull())
      .addColumn('work_dir', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('job_runs_batch').on('job_runs').columns(['job_uuid', 'job_run_index']).execute();
  },
};
