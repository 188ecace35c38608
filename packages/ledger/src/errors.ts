import { BaseError } from '@tx402/core'

/**
 * A `mark` whose record is another payment (network, transaction, payee, payer; core's
 * `PaymentKey`) than its lease's. A bug in the caller, never a payer's.
 *
 * @example
 * try { await ledger.mark(lease, record) } catch (e) { if (e instanceof InvalidLedgerKeyError) throw e }
 */
export class InvalidLedgerKeyError extends BaseError {
  override name = 'InvalidLedgerKeyError' as const
}

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
