import type { CreditLedgerBalance, PaymentKey } from '@tx402/core'
import { type Kysely, sql } from 'kysely'
import { keyOf } from './paymentRows.js'
import { creditBalancesTable, creditSpendsTable, type LedgerDatabase } from './schema.js'

/**
 * One prepaid credit balance as operator tools read it (docs/protocol.md section 7): amounts in
 * base units of `asset` on `network`, as bigint; times as Date.
 */
export interface CreditBalanceRow extends Omit<CreditLedgerBalance, 'expiresAt'> {
  /** Base units held by live reservations (already taken out of `remaining`). */
  reserved: bigint
  /** When it stops being spendable; null: never. */
  expiresAt: Date | null
  /** Whether `expiresAt` has passed (on the database clock). */
  expired: boolean
  createdAt: Date
  updatedAt: Date
  /** The payment whose commit opened it. */
  openedBy: PaymentKey
}

const selectBalances = (db: Kysely<LedgerDatabase>) =>
  db
    .selectFrom(creditBalancesTable)
    .selectAll()
    .select([
      sql<string>`remaining::text`.as('remaining_text'),
      sql<boolean>`coalesce(expires_at <= now(), false)`.as('expired'),
      // Reservations still held; committed spends are gone from `remaining` for good.
      sql<string>`coalesce((select sum(s.amount) from ${sql.table(creditSpendsTable)} as s
        where s.balance_id = ${sql.ref(`${creditBalancesTable}.id`)} and s.state = 'reserved'), 0)::text`.as(
        'reserved_text',
      ),
    ])

type BalanceSelection = Awaited<ReturnType<ReturnType<typeof selectBalances>['execute']>>[number]

function toRow(row: BalanceSelection): CreditBalanceRow {
  return {
    id: row.id,
    scope: row.scope,
    network: row.network,
    asset: row.asset,
    payer: row.payer,
    payTo: row.opened_by_pay_to,
    remaining: BigInt(row.remaining_text),
    reserved: BigInt(row.reserved_text),
    expiresAt: row.expires_at === null ? null : new Date(row.expires_at),
    expired: row.expired,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
    openedBy: keyOf({
      network: row.opened_by_network,
      tx_id: row.opened_by_tx_id,
      pay_to: row.opened_by_pay_to,
      payer: row.opened_by_payer,
    }),
  }
}

/**
 * One credit balance by its id (the 32 hex characters a credit token names), or undefined.
 * Read-only; takes the Kysely instance of the ledger's database (`openLedgerDatabase`).
 *
 * @example
 * const balance = await creditBalance(db, '9f86d081884c7d659a2feaa0c55ad015')
 * if (balance) console.log(`${balance.remaining} base units left, expires ${balance.expiresAt ?? 'never'}`)
 */
export async function creditBalance(
  db: Kysely<LedgerDatabase>,
  id: string,
): Promise<CreditBalanceRow | undefined> {
  const row = await selectBalances(db).where('id', '=', id).executeTakeFirst()
  return row && toRow(row)
}

/**
 * The credit balances a payer owns, newest first (at most `limit`, default 50). EVM addresses
 * compare case-insensitively, as in `listPayments`. Read-only.
 *
 * @example await creditBalancesOfPayer(db, '0xAbC…', { limit: 20 })
 */
export async function creditBalancesOfPayer(
  db: Kysely<LedgerDatabase>,
  payer: string,
  options: { limit?: number | undefined } = {},
): Promise<CreditBalanceRow[]> {
  const rows = await selectBalances(db)
    .where(sql`lower(payer)`, '=', payer.toLowerCase())
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .limit(options.limit ?? 50)
    .execute()
  return rows.map(toRow)
}
