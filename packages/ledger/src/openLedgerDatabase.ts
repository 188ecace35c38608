import { existsSync } from 'node:fs'
import { PGlite } from '@electric-sql/pglite'
import { LedgerUnavailableError } from '@tx402/core'
import { Kysely, sql } from 'kysely'
import { connectPostgres } from './connectPostgres.js'
import { lockDataDir } from './lockDataDir.js'
import { pgliteDialect } from './pgliteDialect.js'
import type { LedgerDatabase } from './schema.js'

/** Where a ledger's rows live: a PostgreSQL URL, or an embedded ledger's data directory. */
export type LedgerLocation = { databaseUrl: string } | { dataDir: string }

/**
 * Opens a ledger's database for operator tools (reading rows, migrating, repairing), without the
 * ledger around it. An embedded data directory must already exist and be free: it is locked for
 * this process (PGlite allows one), so stop the API that uses it first. Throws
 * `LedgerUnavailableError` when the database cannot be reached or opened. `create: true` makes a
 * missing data directory (for migrating a new embedded ledger).
 *
 * @example
 * const ledger = await openLedgerDatabase({ databaseUrl: process.env.DATABASE_URL! })
 * try { await listPayments(ledger.db, { limit: 20 }) } finally { await ledger.close() }
 */
export async function openLedgerDatabase(
  location: LedgerLocation,
  options: { create?: boolean } = {},
): Promise<{ db: Kysely<LedgerDatabase>; close(): Promise<void> }> {
  if ('databaseUrl' in location) {
    const postgres = connectPostgres(location.databaseUrl, () => {})
    try {
      await sql`select 1`.execute(postgres.db)
    } catch (error) {
      await postgres.close()
      throw new LedgerUnavailableError('The ledger database does not answer.', {
        details: error instanceof Error ? error.message : String(error),
        cause: error,
      })
    }
    return postgres
  }
  const { dataDir } = location
  if (!(options.create || existsSync(dataDir))) {
    throw new LedgerUnavailableError(`No embedded ledger at ${dataDir}.`, {
      details: 'Check TX402_DATA_DIR: it is the dataDir the API was started with.',
    })
  }
  let unlock: () => Promise<void>
  try {
    unlock = await lockDataDir(dataDir)
  } catch (error) {
    throw new LedgerUnavailableError(`The embedded ledger at ${dataDir} cannot be opened.`, {
      details: `${error instanceof Error ? error.message : String(error)}; stop that process first (one process per embedded ledger).`,
      cause: error,
    })
  }
  try {
    const pglite = await PGlite.create(dataDir)
    const db = new Kysely<LedgerDatabase>({ dialect: pgliteDialect(pglite) })
    return {
      db,
      async close() {
        await db.destroy()
        await unlock()
      },
    }
  } catch (error) {
    await unlock()
    throw new LedgerUnavailableError(`The embedded ledger at ${dataDir} could not open.`, {
      details: error instanceof Error ? error.message : String(error),
      cause: error,
    })
  }
}
