import type { PaymentRecord } from '@tx402/core'
import { type Kysely, type Selectable, sql } from 'kysely'
import { awaitingItsToken } from './lapsedPurchase.js'
import { recordOf } from './paymentRows.js'
import {
  type LedgerDatabase,
  type PaymentStatus,
  type PaymentsTable,
  paymentsTable,
} from './schema.js'

/** One ledger row as operator tools read it: the payment's record, its state and times. */
export interface PaymentRow extends Omit<PaymentRecord, 'challengeId'> {
  challengeId: string | null
  status: PaymentStatus
  /** When a claim lapses; null once consumed. */
  claimExpiresAt: Date | null
  createdAt: Date
  consumedAt: Date | null
  /** Prepaid credit left, in base units; null where the payment carries none. */
  remainingCredit: bigint | null
}

/** Filters of `listPayments`; every one optional. */
export interface ListPaymentsFilter {
  /** Chain name (`base`) or CAIP-2 network (`eip155:8453`). */
  chain?: string | undefined
  status?: PaymentStatus | undefined
  /** Rows created at or after this time. */
  since?: Date | undefined
  /** Exact payer address (EVM addresses compare case-insensitively). */
  payer?: string | undefined
  /** At most this many rows, newest first. Default 50. */
  limit?: number | undefined
}

/**
 * The ledger's rows, newest first, filtered. Read-only.
 *
 * @example await listPayments(db, { chain: 'base', status: 'consumed', limit: 20 })
 */
export async function listPayments(
  db: Kysely<LedgerDatabase>,
  filter: ListPaymentsFilter = {},
): Promise<PaymentRow[]> {
  let query = db.selectFrom(paymentsTable).selectAll()
  if (filter.chain) {
    const chain = filter.chain
    query = query.where((eb) => eb.or([eb('chain', '=', chain), eb('network', '=', chain)]))
  }
  if (filter.status) query = query.where('status', '=', filter.status)
  if (filter.since) query = query.where('created_at', '>=', filter.since)
  if (filter.payer) query = query.where(sql`lower(payer)`, '=', filter.payer.toLowerCase())
  const rows = await query
    .orderBy('created_at', 'desc')
    .orderBy('tx_id')
    .limit(filter.limit ?? 50)
    .execute()
  return rows.map(toPaymentRow)
}

/**
 * Every row of one transaction on one chain (a transaction may hold several payments, one per
 * payer and payee). `chain` is a chain name or a CAIP-2 network; `txIds` lists the spellings to
 * look for (the caller normalizes the hash with its chain plugin).
 *
 * @example await paymentsOfTransaction(db, 'base', ['0xabc…'])
 */
export async function paymentsOfTransaction(
  db: Kysely<LedgerDatabase>,
  chain: string,
  txIds: readonly string[],
): Promise<PaymentRow[]> {
  if (txIds.length === 0) return []
  const rows = await db
    .selectFrom(paymentsTable)
    .selectAll()
    .where((eb) => eb.or([eb('chain', '=', chain), eb('network', '=', chain)]))
    .where('tx_id', 'in', [...txIds])
    .orderBy('created_at')
    .execute()
  return rows.map(toPaymentRow)
}

/** A claim in the ledger, and whether its lease lapsed (by the database's clock). */
export interface ClaimRow extends PaymentRow {
  /** True when no live process holds it any more: `reconcile` removes it, unless `awaitingToken`. */
  lapsed: boolean
  /**
   * True for a credit purchase whose balance is not open yet: once lapsed, `reconcile` leaves it
   * for the first spend of its token, which commits it (docs/protocol.md 6.1).
   */
  awaitingToken: boolean
}

/**
 * Every claimed row: lapsed ones (their holder died or lost the ledger for longer than the TTL;
 * what `Ledger.reconcile` removes) and live ones (held by a request in flight). Read-only: what
 * `tx402 reconcile --dry-run` reports.
 *
 * @example (await claims(db)).filter((claim) => claim.lapsed)
 */
export async function claims(db: Kysely<LedgerDatabase>): Promise<ClaimRow[]> {
  const rows = await db
    .selectFrom(paymentsTable)
    .selectAll()
    .select(sql<boolean>`claim_expires_at <= now()`.as('lapsed'))
    .select(awaitingItsToken.as('awaiting_token'))
    .where('status', '=', 'claimed')
    .orderBy('claim_expires_at')
    .execute()
  return rows.map((row) => ({
    ...toPaymentRow(row),
    lapsed: row.lapsed,
    awaitingToken: row.awaiting_token,
  }))
}

/** How `paymentStats` groups served payments. */
export type PaymentStatsGrouping = 'day' | 'chain' | 'asset' | 'route'

/** One group of served payments; sums are per asset, never across assets. */
export interface PaymentStatsRow {
  /** The day (`YYYY-MM-DD`, UTC), chain name, asset or route, per the grouping. */
  group: string
  chain: string
  network: string
  asset: string
  /** Served (consumed) payments. */
  count: number
  /** Their amounts, in base units of `asset`. */
  amount: bigint
  /** Prepaid credit left on them, in base units; 0 where none is kept. */
  remainingCredit: bigint
}

/**
 * Counts and sums of served payments, grouped by day (of `consumed_at`, UTC), chain, asset or
 * route, each split per chain and asset so that no sum mixes two tokens. Read-only.
 *
 * @example await paymentStats(db, { by: 'day', since: new Date(Date.now() - 7 * 86400_000) })
 */
export async function paymentStats(
  db: Kysely<LedgerDatabase>,
  options: { by: PaymentStatsGrouping; since?: Date | undefined },
): Promise<PaymentStatsRow[]> {
  const group = {
    day: sql<string>`to_char(consumed_at at time zone 'UTC', 'YYYY-MM-DD')`,
    chain: sql<string>`chain`,
    asset: sql<string>`asset`,
    route: sql<string>`resource`,
  }[options.by]
  let query = db
    .selectFrom(paymentsTable)
    .select([
      group.as('group'),
      'chain',
      'network',
      'asset',
      sql<string>`count(*)`.as('count'),
      sql<string>`sum(amount)`.as('amount'),
      sql<string>`coalesce(sum(remaining_credit), 0)`.as('remaining_credit'),
    ])
    .where('status', '=', 'consumed')
  if (options.since) query = query.where('consumed_at', '>=', options.since)
  const rows = await query
    .groupBy([group, 'chain', 'network', 'asset'])
    .orderBy(group)
    .orderBy('chain')
    .orderBy('asset')
    .execute()
  return rows.map((row) => ({
    group: row.group,
    chain: row.chain,
    network: row.network,
    asset: row.asset,
    count: Number(row.count),
    amount: BigInt(row.amount),
    remainingCredit: BigInt(row.remaining_credit),
  }))
}

function toPaymentRow(row: Selectable<PaymentsTable>): PaymentRow {
  return {
    ...recordOf(row),
    challengeId: row.challenge_id,
    status: row.status,
    claimExpiresAt: row.claim_expires_at,
    createdAt: row.created_at,
    consumedAt: row.consumed_at,
    remainingCredit: row.remaining_credit === null ? null : BigInt(row.remaining_credit),
  }
}
