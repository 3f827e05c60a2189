import type { Kysely } from 'kysely';
import type { Database, ServiceHostsTable } from './tables.ts';

export type ServiceHostRow = ServiceHostsTable;

/** Short service host labels and the service each one opens (a label is a digest of its service: it never names another; deleted with the service). */
export class ServiceHostRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /**
   * Claims `row.label` for its service (kept when it already names that service): the row the label
   * names afterwards — another service's when the label was taken (the caller tries another label).
   */
  async claim(row: ServiceHostRow): Promise<ServiceHostRow> {
    await this.#db.insertInto('service_hosts').values(row).onConflict((oc) => oc.column('label').doNothing()).execute();
    return (await this.find(row.label))!;
  }

  async find(label: string): Promise<ServiceHostRow | undefined> {
    return this.#db.selectFrom('service_hosts').selectAll().where('label', '=', label).executeTakeFirst();
  }
}
