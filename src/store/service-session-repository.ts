import type { Kysely } from 'kysely';
import type { Database, ServiceSessionsTable, ServiceTicketsTable } from './tables.ts';

export type ServiceTicketRow = ServiceTicketsTable;
export type ServiceSessionRow = ServiceSessionsTable;

/** Service tickets and service sessions by hash (the secrets themselves are never stored). */
export class ServiceSessionRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** Stores a ticket, and drops the tickets and sessions that have expired. */
  async insertTicket(row: ServiceTicketRow): Promise<void> {
    await this.#db.transaction().execute(async (tx) => {
      await tx.insertInto('service_tickets').values(row).execute();
      await tx.deleteFrom('service_tickets').where('expires_at', '<=', row.expires_at - 3_600_000).execute();
      await pruneSessions(tx, Number(new Date(row.created_at)));
    });
  }

  /** Takes a ticket: deleted in the same statement, so it opens at most one session. Undefined when unknown, used or expired. */
  async takeTicket(hash: string, now: number): Promise<ServiceTicketRow | undefined> {
    const row = await this.#db.deleteFrom('service_tickets').where('hash', '=', hash).returningAll().executeTakeFirst();
    return row && row.expires_at > now ? row : undefined;
  }

  /** Stores a session, and drops the sessions that have expired. */
  async insertSession(row: ServiceSessionRow): Promise<void> {
    await this.#db.transaction().execute(async (tx) => {
      await tx.insertInto('service_sessions').values(row).execute();
      await pruneSessions(tx, Number(new Date(row.created_at)));
    });
  }

  /** A live session with this hash whose token is not revoked, with the token's scope and project. */
  async findSession(hash: string, now: number): Promise<(ServiceSessionRow & { scope: string; token_project_uuid: string | null }) | undefined> {
    return this.#db
      .selectFrom('service_sessions')
      .innerJoin('tokens', 'tokens.id', 'service_sessions.token_id')
      .selectAll('service_sessions')
      .select(['tokens.scope as scope', 'tokens.project_uuid as token_project_uuid'])
      .where('service_sessions.hash', '=', hash)
      .where('service_sessions.expires_at', '>', now)
      .where('tokens.revoked_at', 'is', null)
      .executeTakeFirst();
  }

  /** Ends every ticket and session of a service (it was removed), and forgets its short host labels. */
  async deleteForService(projectUuid: string, service: string): Promise<void> {
    for (const table of ['service_tickets', 'service_sessions', 'service_hosts'] as const) {
      await this.#db.deleteFrom(table).where('project_uuid', '=', projectUuid).where('service', '=', service).execute();
    }
  }

  /**
   * The same for every service of a session (their proxy names end in `-<session uuid>`): the session
   * stopped. A label comes back, the same, when the session starts again (it is a digest of the name).
   */
  async deleteForSession(projectUuid: string, sessionUuid: string): Promise<void> {
    for (const table of ['service_tickets', 'service_sessions', 'service_hosts'] as const) {
      await this.#db.deleteFrom(table).where('project_uuid', '=', projectUuid).where('service', 'like', `%-${sessionUuid}`).execute();
    }
  }
}

async function pruneSessions(db: Kysely<Database>, now: number): Promise<void> {
  await db.deleteFrom('service_sessions').where('expires_at', '<=', now).execute();
}
