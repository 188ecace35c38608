import { BaseError } from '@tx402/core'

/**
 * The ledger's schema migrations failed (database unreachable, or a migration error): the ledger
 * cannot start. `cause` holds the database's error.
 *
 * @example
 * await migrate(url).catch((e) => { if (e instanceof LedgerMigrationError) process.exit(1) })
 */
export class LedgerMigrationError extends BaseError {
  override name = 'LedgerMigrationError' as const
}
