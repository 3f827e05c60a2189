/** The channel a state change's transaction notifies on commit (PostgreSQL: every server listens). */
export const EVENTS_CHANNEL = 'berth_events';

/**
 * Listens on `channel` with a connection of its own and calls `onNotify` for each notification
 * (bursts coalesced to one call per tick), reconnecting after a lost connection (a missed
 * notification only delays a reader to its next poll). `close` stops listening.
 */
export async function listenPostgres(url: string, channel: string, onNotify: () => void, log: (line: string) => void = () => {}): Promise<{ close: () => Promise<void> }> {
  const pg = (await import('pg')).default;
  let client: InstanceType<typeof pg.Client> | null = null;
  let closed = false;
  let pending = false;
  const fire = () => {
    if (pending) return;
    pending = true;
    setImmediate(() => {
      pending = false;
      onNotify();
    });
  };
  const connect = async (): Promise<void> => {
    if (closed) return;
    const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
    c.on('notification', fire);
    c.on('error', () => undefined);
    c.on('end', () => {
      if (client === c) client = null;
      if (!closed) setTimeout(() => void connect().catch(() => undefined), 1000).unref();
    });
    try {
      await c.connect();
      await c.query(`listen ${channel}`);
      client = c;
      fire(); // Anything committed while not listening is read now.
    } catch (e) {
      log(`events: could not listen for other servers' events (${e instanceof Error ? e.message : String(e)}); polling meanwhile`);
      await c.end().catch(() => undefined);
    }
  };
  await connect();
  return {
    close: async () => {
      closed = true;
      await client?.end().catch(() => undefined);
    },
  };
}
