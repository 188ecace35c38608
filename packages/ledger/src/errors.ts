import { BaseError } from '@tx402/core'

/**
 * A ledger key that is not `network:txId` with a CAIP-2 network (see core's `paymentKey`), or a
 * `mark` whose record is another payment than its lease's. A bug in the caller, never a payer's.
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
