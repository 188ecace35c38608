import { Kysely, PostgresDialect } from 'kysely'
import pg from 'pg'
import type { LedgerDatabase } from './schema.js'

/** A PostgreSQL connection as the ledger takes it: a Kysely instance, a pg Pool, or a URL. */
// biome-ignore lint/suspicious/noExplicitAny: an app's Kysely, whatever its own tables
export type PostgresInput = Kysely<any> | pg.Pool | string

/** Timeouts of a pool the ledger makes from a URL, so a dead server fails in seconds. */
export const postgresTimeouts = {
  connectTimeoutMs: 2_000,
  /** Server side: PostgreSQL cancels the statement, so a slow write never lands late. */
  statementTimeoutMs: 5_000,
  /** Client side, a backstop for a server that stopped answering. */
  queryTimeoutMs: 8_000,
}

/**
 * Turns a `PostgresInput` into a Kysely instance. Only what it created itself is closed by
 * `close()`: a Kysely instance or pool passed in belongs to the caller.
 *
 * A pool made from a URL sets nothing on its sessions but `application_name` (which poolers
 * carry per client), unless `statementTimeout` is set: then the server-side statement timeout is
 * sent as a startup parameter, which a transaction pooler such as PgBouncer refuses
 * ("unsupported startup parameter") or drops. The ledger sends no named prepared statement (pg
 * sends each parameterized query as an unnamed one), so transaction pooling is safe otherwise.
 */
export function connectPostgres(
  input: PostgresInput,
  onPoolError: (error: Error) => void,
  options: { statementTimeout: boolean } = { statementTimeout: true },
): { db: Kysely<LedgerDatabase>; close(): Promise<void> } {
  if (typeof input === 'string') {
    const pool = new pg.Pool({
      connectionString: input,
      connectionTimeoutMillis: postgresTimeouts.connectTimeoutMs,
      ...(options.statementTimeout
        ? { statement_timeout: postgresTimeouts.statementTimeoutMs }
        : {}),
      query_timeout: postgresTimeouts.queryTimeoutMs,
      application_name: 'tx402-ledger',
      max: 10,
    })
    // An idle connection dropped by the server must not crash the process; the next query fails.
    pool.on('error', onPoolError)
    // Nor one dropped while checked out: pg then emits 'error' on the client, which the pool no
    // longer listens to (Kysely holds it); the query in flight fails with the same error.
    pool.on('connect', (client) => client.on('error', () => {}))
    const db = new Kysely<LedgerDatabase>({ dialect: new PostgresDialect({ pool }) })
    return { db, close: () => db.destroy() }
  }
  // Duck-typed: an app may hold another copy of kysely, whose class `instanceof` would miss.
  if ('selectFrom' in input && typeof input.selectFrom === 'function') {
    // Without the app's plugins: CamelCasePlugin, say, would rename the ledger's row keys.
    const db = (input as Kysely<LedgerDatabase>).withoutPlugins()
    return { db, close: async () => {} }
  }
  // Not destroyed on close: Kysely would end the caller's pool.
  const db = new Kysely<LedgerDatabase>({
    dialect: new PostgresDialect({ pool: input as pg.Pool }),
  })
  return { db, close: async () => {} }
}
