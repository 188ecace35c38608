import pg from 'pg'

/**
 * The pool `redisPostgresLedger` makes from a URL (10 connections; PostgreSQL's statement timeout
 * of 5 s set at connect, unless `dbPooling` is `'transaction'`: PgBouncer refuses it), for bench
 * code that wraps it to count statements.
 *
 * @example const pool = ledgerPool(url, 'transaction')
 */
export function ledgerPool(url: string, dbPooling: 'session' | 'transaction' = 'session'): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    ...(dbPooling === 'session' ? { statement_timeout: 5_000 } : {}),
  })
  pool.on('error', () => {})
  return pool
}
