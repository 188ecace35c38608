import { migrate, paymentsTable } from '@tx402/ledger'
import pg from 'pg'

/** The machine's PostgreSQL, on loopback. */
export const postgresServer = { host: '127.0.0.1', port: 5432 }
/** This package's own database: its rows never meet another package's tests. */
export const reliabilityDatabase = 'tx402_reliability'

/** `postgres://` URL of the suite's database on `port` (the server's own, or a proxy's). */
export function databaseUrl(port = postgresServer.port): string {
  return `postgres://postgres@127.0.0.1:${port}/${reliabilityDatabase}`
}

/**
 * Creates the suite's database if missing and migrates it, straight to the server (no proxy).
 * Runs are told apart by their random `payTo`, so nothing is ever deleted.
 *
 * @example await prepareDatabase()
 */
export async function prepareDatabase(): Promise<void> {
  const admin = new pg.Client({ ...postgresServer, user: 'postgres', database: 'postgres' })
  await admin.connect()
  try {
    const found = await admin.query('select 1 from pg_database where datname = $1', [
      reliabilityDatabase,
    ])
    if (found.rowCount === 0) {
      await admin
        .query(`create database ${reliabilityDatabase}`)
        .catch((error: { code?: string }) => {
          // Another run created it between the check and here.
          if (error.code !== '42P04' && error.code !== '23505') throw error
        })
    }
  } finally {
    await admin.end()
  }
  await migrate(databaseUrl())
}

/** One ledger row, as the checks read it. */
export interface LedgerRow {
  txId: string
  payTo: string
  status: 'claimed' | 'consumed'
}

/**
 * The ledger rows of payments to `payTo` or of any of `txIds`, read straight from PostgreSQL
 * (the authority).
 *
 * @example const rows = await ledgerRows(pool, { payTo, txIds: unpaid })
 */
export async function ledgerRows(
  pool: pg.Pool,
  where: { payTo: string; txIds?: readonly string[] },
): Promise<LedgerRow[]> {
  const result = await pool.query<{ tx_id: string; pay_to: string; status: LedgerRow['status'] }>(
    `select tx_id, pay_to, status from ${paymentsTable}
      where lower(pay_to) = lower($1) or tx_id = any($2::text[])`,
    [where.payTo, where.txIds ?? []],
  )
  return result.rows.map((row) => ({ txId: row.tx_id, payTo: row.pay_to, status: row.status }))
}
