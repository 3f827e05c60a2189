/** The subset of a `pg` client this needs (its `query` is replaced). */
interface QueryingClient {
  query: (...args: any[]) => any;
}

/** Most distinct statements a connection keeps prepared; later new ones run unnamed. */
const MAX_NAMED = 200;

/**
 * Makes `client` run its parameterised writes (insert, update, delete without RETURNING) as named
 * prepared statements: PostgreSQL parses and plans each once per connection instead of once per call
 * (a run's store work is mostly the same two step updates, repeated). Reads stay unnamed on purpose:
 * a prepared `select *` fails with "cached plan must not change result type" after another server's
 * migration adds a column, and a write without RETURNING has no result type to change.
 */
export function nameRepeatedWrites(client: QueryingClient): void {
  const names = new Map<string, string>();
  const query = client.query.bind(client);
  client.query = (text: unknown, values?: unknown, callback?: unknown) => {
    if (typeof text !== 'string' || !Array.isArray(values) || values.length === 0 || !WRITE.test(text) || RETURNING.test(text)) {
      return query(text, values, callback);
    }
    let name = names.get(text);
    if (name === undefined && names.size < MAX_NAMED) {
      name = `berth_${names.size}`;
      names.set(text, name);
    }
    return name === undefined ? query(text, values, callback) : query({ name, text, values }, callback);
  };
}

const WRITE = /^\s*(insert|update|delete)\s/i;
const RETURNING = /\breturning\b/i;
