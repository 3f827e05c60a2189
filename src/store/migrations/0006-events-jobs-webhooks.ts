import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';
import { columnTypes } from './column-types.ts';

/**
 * Events, the webhook outbox (subscribers, subscriptions, deliveries), jobs and the link from a
 * run to its job. Append-only: never edit a migration that has shipped.
 */
export const migration0006EventsJobsWebhooks: Migration = {
  async up(db: Kysely<unknown>) {
    const t = columnTypes(db);
    await db.schema
      .createTable('events')
      // Ids only grow (SQLite AUTOINCREMENT; a PostgreSQL identity sequence): readers follow the log by id.
      .addColumn('id', t.integer, (c) => (t.integer === 'bigint' ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey().autoIncrement()))
      .addColumn('uuid', t.text, (c) => c.notNull().unique())
      .addColumn('type', t.text, (c) => c.notNull())
      .addColumn('project_uuid', t.text)
      .addColumn('job_uuid', t.text)
      .addColumn('run_uuid', t.text)
      .addColumn('payload_json', t.text, (c) => c.notNull())
      .addColumn('created_at', t.text, (c) => c.notNull())
      .execute();
    await db.schema.createIndex('events_type').on('events').columns(['type', 'id']).execute();
    await db.schema.createIndex('events_project').on('events').columns(['project_uuid', 'id']).execute();

    await db.schema
      .createTable('subscribers')
      .addColumn('uuid', t.text, (c) => c.primaryKey())
      .addColumn('kind', t.text, (c) => c.notNull())
      .addColumn('name', t.text, (c) => c.notNull().unique())
      .addColumn('url', t.text, (c) => c.notNull())
      .addColumn('secret_sealed', t.text)
      .addColumn('content_type', t.text, (c) => c.notNull())
      .addColumn('format', t.text, (c) => c.notNull())
      .addColumn('verify_ssl', t.integer, (c) => c.notNull())
      .addColumn('created_at', t.text, (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('subscriptions')
      .addColumn('subscriber_uuid', t.text, (c) => c.notNull().references('subscribers.uuid').onDelete('cascade'))
      .addColumn('event_type', t.text, (c) => c.notNull())
      .addColumn('project_uuid', t.text, (c) => c.notNull().defaultTo(''))
      .addColumn('job_uuid', t.text, (c) => c.notNull().defaultTo(''))
      .addPrimaryKeyConstraint('subscriptions_pk', ['subscriber_uuid', 'event_type', 'project_uuid', 'job_uuid'])
      .execute();
    await db.schema.createIndex('subscriptions_type').on('subscriptions').column('event_type').execute();

    await db.schema
      .createTable('deliveries')
      .addColumn('uuid', t.text, (c) => c.primaryKey())
      .addColumn('event_uuid', t.text, (c) => c.notNull())
      .addColumn('event_type', t.text, (c) => c.notNull())
      .addColumn('subscriber_uuid', t.text, (c) => c.notNull().references('subscribers.uuid').onDelete('cascade'))
      .addColumn('status', t.text, (c) => c.notNull())
      .addColumn('attempts', t.integer, (c) => c.notNull())
      .addColumn('scheduled_at', t.text, (c) => c.notNull())
      .addColumn('claimed_by', t.text)
      .addColumn('lease_until', t.text)
      .addColumn('payload_json', t.text, (c) => c.notNull())
      .addColumn('last_error', t.text)
      .addColumn('last_status_code', t.integer)
      .addColumn('created_at', t.text, (c) => c.notNull())
      .addColumn('delivered_at', t.text)
      .execute();
    // Covering: the dispatcher's due query reads only the index, never the (large) payloads.
    await db.schema.createIndex('deliveries_due').on('deliveries').columns(['status', 'scheduled_at', 'subscriber_uuid', 'uuid']).execute();

    await db.schema
      .createTable('jobs')
      .addColumn('uuid', t.text, (c) => c.primaryKey())
      .addColumn('name', t.text, (c) => c.notNull())
      .addColumn('project_uuid', t.text, (c) => c.notNull().references('projects.uuid').onDelete('cascade'))
      .addColumn('pipeline_uuid', t.text, (c) => c.notNull())
      .addColumn('pipeline_name', t.text, (c) => c.notNull())
      .addColumn('pipeline_path', t.text, (c) => c.notNull())
      .addColumn('schedule', t.text)
      .addColumn('timezone', t.text, (c) => c.notNull())
      .addColumn('scheduled_start', t.text)
      .addColumn('next_scheduled_time', t.text)
      .addColumn('last_scheduled_time', t.text)
      .addColumn('status', t.text, (c) => c.notNull())
      .addColumn('parameters_json', t.text, (c) => c.notNull())
      .addColumn('grid_json', t.text, (c) => c.notNull())
      .addColumn('env_json', t.text, (c) => c.notNull())
      .addColumn('max_retained_pipeline_runs', t.integer, (c) => c.notNull())
      .addColumn('snapshot_dir', t.text, (c) => c.notNull())
      .addColumn('total_scheduled_executions', t.integer, (c) => c.notNull())
      .addColumn('total_scheduled_pipeline_runs', t.integer, (c) => c.notNull())
      .addColumn('created_at', t.text, (c) => c.notNull())
      .addColumn('updated_at', t.text, (c) => c.notNull())
      .execute();
    await db.schema.createIndex('jobs_due').on('jobs').columns(['status', 'next_scheduled_time']).execute();

    // No foreign key to runs: the link is written just before its run so the run's events can name the job.
    await db.schema
      .createTable('job_runs')
      .addColumn('run_uuid', t.text, (c) => c.primaryKey())
      .addColumn('job_uuid', t.text, (c) => c.notNull().references('jobs.uuid').onDelete('cascade'))
      .addColumn('job_run_index', t.integer, (c) => c.notNull())
      .addColumn('job_run_pipeline_run_index', t.integer, (c) => c.notNull())
      .addColumn('pipeline_run_index', t.integer, (c) => c.notNull())
      .addColumn('batch_size', t.integer, (c) => c.notNull())
      .addColumn('parameters_json', t.text, (c) => c.notNull())
      .addColumn('work_dir', t.text, (c) => c.notNull())
      .execute();
    await db.schema.createIndex('job_runs_batch').on('job_runs').columns(['job_uuid', 'job_run_index']).execute();
  },
};
