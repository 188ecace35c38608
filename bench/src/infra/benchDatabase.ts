import { migrate, paymentsTable } from '@tx402/ledger'
import pg from 'pg'

/** The bench's own database on the machine's PostgreSQL, apart from every test database. */
export const benchDatabase = 'tx402_bench'

/**
 * Creates the bench database when missing, runs the ledger's migrations on it and empties the
 * payments table, so every run starts from the same size. Reads `BENCH_POSTGRES_URL` (default
 * `postgres://postgres@127.0.0.1:5432/postgres`) for the server.
 *
 * @example const databaseUrl = await prepareBenchDatabase()
 */
export async function prepareBenchDatabase(): Promise<string> {
  const serverUrl = new URL(
    process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  )
  const admin = new pg.Client({ connectionString: serverUrl.toString() })
  await admin.connect()
  try {
    const found = await admin.query('select 1 from pg_database where datname = $1', [benchDatabase])
    if (found.rowCount === 0) await admin.query(`create database ${benchDatabase}`)
  } finally {
    await admin.end()
  }
  const url = new URL(serverUrl)
  url.pathname = `/${benchDatabase}`
  await migrate(url.toString())
  const client = new pg.Client({ connectionString: url.toString() })
  await client.connect()
  try {
    await client.query(`truncate ${paymentsTable}`)
  } finally {
    await client.end()
  }
  return url.toString()
}
