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
  /**
   * The prepaid credit this payment buys or tops up (migration 0004), kept by `mark` and applied
   * by the commit: the balance, its scope (routes), base units, and a new balance's expiry.
   */
  credit_balance_id: string | null
  credit_scope: string | null
  credit_amount: string | null
  credit_expires_at: ColumnType<Date | null, Date | string | null, Date | string | null>
  /** Whether the commit added the grant (false: skipped, the balance did not match); null before. */
  credit_applied: boolean | null
  /** Re-deliveries of its response counted so far (migration 0007). */
  redeliveries: Generated<number>
}

/**
 * The Kysely database type of the ledger's tables, to read payments from an app.
 *
 * @example const db = new Kysely<LedgerDatabase>({ dialect: new PostgresDialect({ pool }) })
 */
export interface LedgerDatabase {
  tx402_payments: PaymentsTable
  tx402_credit_balances: CreditBalancesTable
  tx402_credit_spends: CreditSpendsTable
}

/** The table of prepaid credit balances (docs/protocol.md section 7), one row per balance. */
export const creditBalancesTable = 'tx402_credit_balances'
/** The table of credit spends: one row per reservation, reserved then committed. */
export const creditSpendsTable = 'tx402_credit_spends'

/** One credit balance as PostgreSQL stores it; `remaining` is `numeric(78,0)`, never negative. */
export interface CreditBalancesTable {
  id: string
  scope: string
  network: string
  asset: string
  payer: string
  /** Base units left, reservations already taken out. */
  remaining: string
  /** Null: never expires. */
  expires_at: ColumnType<Date | null, Date | string | null, Date | string | null>
  created_at: Generated<Date>
  updated_at: Generated<Date>
  /** The payment (its key) whose commit opened the balance. */
  opened_by_network: string
  opened_by_tx_id: string
  opened_by_pay_to: string
  opened_by_payer: string
}

/** `reserved`: held by a live request; `committed`: spent for a delivered response. */
export type CreditSpendState = 'reserved' | 'committed'

/** One reservation of credit, by its token. */
export interface CreditSpendsTable {
  token: string
  balance_id: string
  amount: string
  state: CreditSpendState
  /** When a reservation lapses (then `reconcile` gives it back); null once committed. */
  expires_at: ColumnType<Date | null, Date | string | null, Date | string | null>
  created_at: Generated<Date>
}
