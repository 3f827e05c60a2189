import { sql, type Kysely } from 'kysely';
import type { Database, EventsTable } from './tables.ts';
import { EVENTS_CHANNEL } from './postgres-notifications.ts';
import { isPostgres } from './store-dialect.ts';

/**
 * Inside a state change's transaction: appends `event` to the log and, on PostgreSQL, tells every
 * listening server on commit. Readers follow the log by id and PostgreSQL hands ids out before
 * commit, so writers take turns until commit (a transaction advisory lock) and no reader can pass
 * an id that commits later. On PostgreSQL the turn, the insert and the notification are one
 * statement (one round trip): the materialised CTE takes the lock before the row, and so its id, is made.
 */
export async function appendEvent(tx: Kysely<Database>, event: Omit<EventsTable, 'id'>): Promise<void> {
  if (!isPostgres(tx)) {
    await tx.insertInto('events').values(event).execute();
    return;
  }
  await sql`with turn as materialized (select pg_advisory_xact_lock(hashtext(${'berth:events'})), pg_notify(${EVENTS_CHANNEL}, ''))
    insert into events (uuid, type, project_uuid, job_uuid, run_uuid, payload_json, created_at)
    select ${event.uuid}::text, ${event.type}::text, ${event.project_uuid}::text, ${event.job_uuid}::text, ${event.run_uuid}::text, ${event.payload_json}::text, ${event.created_at}::text from turn`.execute(tx);
}
