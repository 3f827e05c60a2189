import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Kysely } from 'kysely';
import { databaseOf, type StoreLocation } from '../../config/config.ts';
import { BerthError } from '../../errors.ts';
import type { Database } from '../../store/tables.ts';
import type { CliContext } from '../cli-context.ts';
import { table } from '../format.ts';
import { parseFlags, usageError } from '../parse-flags.ts';

export const dbHelp = `Usage: berth db status [--json]
       berth db migrate [--json]
       berth db copy --from SQLITE_FILE --to POSTGRES_URL [--json]

The store: SQLite in BERTH_HOME (default), or PostgreSQL when BERTH_DATABASE_URL=postgres://… is set
(several Berth servers can share one PostgreSQL database).

  status    where the store is, which migrations it has and which this build would apply, and
            (PostgreSQL) the servers sharing it with their lease
  migrate   applies this build's migrations now. Servers also migrate when they start; two servers
            (or migrate commands) starting together migrate once: the others wait, then find it done.
  copy      moves an install: every row of a SQLite store (e.g. ~/.berth/berth.db) into an empty
            PostgreSQL database, in one transaction. Run folders, logs and keys/ stay in BERTH_HOME:
            give the servers that BERTH_HOME (shared storage) so logs and webhook secrets still open.`;

export async function dbCommand(ctx: CliContext, args: string[]): Promise<number> {
  const { values, positionals } = parseFlags('db', args, {
    from: { type: 'string' },
    to: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) return ctx.out(dbHelp), 0;
  const [verb, ...rest] = positionals;
  if (rest.length > 0) throw usageError('db', `unexpected argument "${rest[0]}"`, 'see berth db --help');
  const { appliedMigrations, connectStore, describeStore, migrateStore } = await import('../../store/open-store.ts');
  if (verb === 'status' || verb === 'migrate') {
    if (values.from !== undefined || values.to !== undefined) throw usageError('db', `--from/--to are for db copy`, 'see berth db --help');
    const location = ctx.config.database;
    const db = await connectStore(location);
    try {
      const applied = verb === 'migrate' ? await reachable(location, describeStore(location), () => migrateStore(db)) : null;
      const state = await reachable(location, describeStore(location), () => appliedMigrations(db));
      const servers = location.dialect === 'postgres' && state.applied.includes('0015-server-leases') ? await reachable(location, describeStore(location), () => serversOf(db)) : [];
      const report = { dialect: location.dialect, store: describeStore(location), applied: state.applied, pending: state.pending, unknown: state.unknown, ...(applied ? { applied_now: applied } : {}), servers };
      if (values.json) return ctx.out(JSON.stringify(report)), 0;
      ctx.out(`Store: ${report.dialect} ${report.store}`);
      if (applied) ctx.out(applied.length === 0 ? 'Migrations: nothing to apply (up to date).' : `Migrations applied now: ${applied.join(', ')}`);
      ctx.out(`Applied: ${state.applied.length} (${state.applied.join(', ') || 'none'})`);
      ctx.out(`Pending: ${state.pending.length}${state.pending.length ? ` (${state.pending.join(', ')}) — run berth db migrate` : ''}`);
      if (state.unknown.length) ctx.out(`Unknown to this build (a newer Berth migrated this store): ${state.unknown.join(', ')}`);
      if (servers.length > 0) ctx.out(table(['SERVER', 'HOST', 'PID', 'HEARTBEAT', 'LEASE UNTIL', 'STATE'], servers.map((s) => [s.id, s.host, String(s.pid), s.heartbeat_at, s.lease_until, s.state])));
      return 0;
    } finally {
      await db.destroy();
    }
  }
  if (verb === 'copy') {
    if (!values.from) throw usageError('db', '--from is required', 'e.g. berth db copy --from ~/.berth/berth.db --to postgres://berth@db:5432/berth');
    if (!values.to) throw usageError('db', '--to is required', 'e.g. --to postgres://berth@db:5432/berth');
    const fromPath = resolve(values.from);
    if (!existsSync(fromPath)) {
      throw new BerthError('BERTH_E_INVALID_ARGUMENT', `db: --from ${fromPath} does not exist`, { problems: [{ path: '--from', message: 'no such file', fix: 'give the SQLite store of the install to move (BERTH_HOME/berth.db)' }] });
    }
    let to: StoreLocation;
    try {
      to = databaseOf(values.to, '');
    } catch {
      throw new BerthError('BERTH_E_INVALID_ARGUMENT', 'db: --to is not a PostgreSQL URL', { problems: [{ path: '--to', message: 'must be postgres://[user[:password]@]host[:port]/database', fix: 'e.g. --to postgres://berth@127.0.0.1:5432/berth' }] });
    }
    const from: StoreLocation = { dialect: 'sqlite', path: fromPath };
    const { copyStoreBetween } = await import('../../store/copy-store.ts');
    const copied = await reachable(to, describeStore(to), () => copyStoreBetween(from, to));
    const total = Object.values(copied).reduce((a, b) => a + b, 0);
    if (values.json) return ctx.out(JSON.stringify({ from: fromPath, to: describeStore(to), rows: copied, total })), 0;
    ctx.out(`Copied ${total} rows from ${fromPath} to ${describeStore(to)}:`);
    ctx.out(table(['TABLE', 'ROWS'], Object.entries(copied).filter(([, n]) => n > 0).map(([t, n]) => [t, String(n)])));
    ctx.out(`Next: start the servers with BERTH_DATABASE_URL set to it and the same BERTH_HOME (run folders, logs, keys/).`);
    return 0;
  }
  throw usageError('db', verb ? `unknown subcommand "${verb}"` : 'expected a subcommand', 'berth db status|migrate|copy (see berth db --help)');
}

interface ServerLeaseView {
  id: string;
  host: string;
  pid: number;
  heartbeat_at: string;
  lease_until: string;
  state: string;
}

async function serversOf(db: Kysely<Database>): Promise<ServerLeaseView[]> {
  const { LeaseRepository } = await import('../../store/lease-repository.ts');
  const now = new Date().toISOString();
  return (await new LeaseRepository(db).servers()).map((s) => ({ ...s, state: s.stopped_at ? 'stopped' : s.lease_until < now ? 'expired' : 'live' }));
}

/** A store that cannot be reached is a clear error naming it, not a driver stack trace. */
async function reachable<T>(location: StoreLocation, where: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    if (e instanceof BerthError) throw e;
    const message = e instanceof Error ? e.message : String(e);
    throw new BerthError('BERTH_E_STORE', `could not use the store at ${where}: ${message}`, {
      problems: [{ path: location.dialect === 'postgres' ? 'BERTH_DATABASE_URL' : 'BERTH_HOME', message, fix: location.dialect === 'postgres' ? 'check that PostgreSQL runs and the URL (user, host, port, database) is right' : 'check the folder exists and is writable' }],
    });
  }
}
