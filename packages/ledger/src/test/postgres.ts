import { Kysely, PostgresDialect } from 'kysely'
import pg from 'pg'
import { migrate } from '../migrate.js'
import type { LedgerDatabase } from '../schema.js'

/** The machine's PostgreSQL, on loopback. */
export const postgresServer = { host: '127.0.0.1', port: 5432, user: 'postgres' }
/** A database of this package's own, so its rows never meet another test file's. */
export const testDatabase = 'tx402_ledger_test'
export const testDatabaseUrl = `postgres://postgres@127.0.0.1:5432/${testDatabase}`

let prepared: Promise<void> | undefined

/** Creates the test database if missing and migrates it; once per process. */
export function prepareTestDatabase(): Promise<void> {
  prepared ??= (async () => {
    const admin = new pg.Client({ ...postgresServer, database: 'postgres' })
    await admin.connect()
    try {
      const found = await admin.query('select 1 from pg_database where datname = $1', [
        testDatabase,
      ])
      if (found.rowCount === 0) {
        await admin.query(`create database ${testDatabase}`).catch((error: { code?: string }) => {
          // Another process created it between the check and here.
          if (error.code !== '42P04' && error.code !== '23505') throw error
        })
      }
    } finally {
      await admin.end()
    }
    await migrate(testDatabaseUrl)
  })()
  return prepared
}

/** A Kysely instance on `url` that counts every statement it sends. */
export function countingDb(url: string = testDatabaseUrl): {
  db: Kysely<LedgerDatabase>
  pool: pg.Pool
  queries(): number
} {
  let queries = 0
  const pool = new pg.Pool({ connectionString: url, max: 4 })
  pool.on('error', () => {})
  const db = new Kysely<LedgerDatabase>({
    dialect: new PostgresDialect({ pool }),
    log: () => {
      queries++
    },
  })
  return { db, pool, queries: () => queries }
}
