import { BaseError } from '@tx402/core'

/** A ledger key that is not `network:txId` with a CAIP-2 network (see core's `paymentKey`). */
export class InvalidLedgerKeyError extends BaseError {
  override name = 'InvalidLedgerKeyError' as const
}

/** The ledger's schema migrations failed; the ledger cannot start. */
export class LedgerMigrationError extends BaseError {
  override name = 'LedgerMigrationError' as const
}
