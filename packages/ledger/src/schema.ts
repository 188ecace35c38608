import type { ColumnType, Generated } from 'kysely'

/**
 * The table that holds one row per payment, keyed by (network, tx_id, pay_to, payer): one
 * payer's transfer to one payee in one transaction. The ledger never deletes a
 * consumed row, so a consumed mark outlives any chain's maximum transaction age.
 *
 * @example await db.selectFrom(paymentsTable).selectAll().where('status', '=', 'consumed').execute()
 */
export const paymentsTable = 'tx402_payments'

/** `claimed`: held by a live lease while verified and served; `consumed`: paid for a response. */
export type PaymentStatus = 'claimed' | 'consumed'

/** One payment as PostgreSQL stores it. Amounts are `numeric(78,0)`, read and written as strings. */
export interface PaymentsTable {
  network: string
  tx_id: string
  chain: string
  payer: string
  pay_to: string
  asset: string
  amount: string
  resource: string
  challenge_id: string | null
  status: PaymentStatus
  lease_token: string | null
  claim_expires_at: ColumnType<Date | null, Date | string | null, Date | string | null>
  /** Room for prepaid credit: what is left of `amount`, unused for now. */
  remaining_credit: string | null
  created_at: Generated<Date>
  updated_at: Generated<Date>
  consumed_at: ColumnType<Date | null, Date | string | null, Date | string | null>
  /** The kept response of a non-safe request, for its re-delivery (migration 0002). */
  response_status: number | null
  /** JSON object of lower-case header names to a value or an array of values. */
  response_headers: string | null
  response_body: Uint8Array | null
}

/**
 * The Kysely database type of the ledger's tables, to read payments from an app.
 *
 * @example const db = new Kysely<LedgerDatabase>({ dialect: new PostgresDialect({ pool }) })
 */
export interface LedgerDatabase {
  tx402_payments: PaymentsTable
}
