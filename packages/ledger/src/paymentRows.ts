import type { CreditGrant, Network, PaymentDetails, PaymentKey, PaymentRecord } from '@tx402/core'
import type { Insertable, Selectable } from 'kysely'
import type { PaymentsTable } from './schema.js'

/** The key columns of one payment's row: its whole primary key. */
export function keyColumns(key: PaymentKey) {
  return { network: key.network, tx_id: key.txId, pay_to: key.payTo, payer: key.payer }
}

/** The columns of a payment's row from its key and its details (claim state aside). */
export function recordColumns(
  key: PaymentKey,
  details: PaymentDetails,
): Omit<Insertable<PaymentsTable>, 'status'> {
  return {
    ...keyColumns(key),
    chain: details.chain,
    asset: details.asset,
    amount: details.amount.toString(),
    resource: details.resource,
    challenge_id: details.challengeId ?? null,
  }
}

/** The payment key a row holds. */
export function keyOf(
  row: Pick<PaymentsTable, 'network' | 'tx_id' | 'pay_to' | 'payer'>,
): PaymentKey {
  return { network: row.network as Network, txId: row.tx_id, payTo: row.pay_to, payer: row.payer }
}

/** The payment record a row holds: its key and its details, the amount as a bigint. */
export function recordOf(row: Selectable<PaymentsTable>): PaymentRecord {
  return {
    ...keyOf(row),
    chain: row.chain,
    asset: row.asset,
    amount: BigInt(row.amount),
    resource: row.resource,
    challengeId: row.challenge_id ?? undefined,
  }
}

/**
 * The credit grant a row carries (pending on a claim, applied on a consumed row), as the engine
 * gave it; undefined without one, or when its commit found no balance it could apply to. What a
 * re-delivery reads to hand the purchase's token back, whatever secret signs tokens today.
 */
export function grantOf(row: Selectable<PaymentsTable>): CreditGrant | undefined {
  if (row.credit_balance_id === null || row.credit_applied === false) return undefined
  return {
    balanceId: row.credit_balance_id,
    scope: row.credit_scope ?? '',
    network: row.network,
    asset: row.asset,
    payer: row.payer,
    amount: BigInt(row.credit_amount ?? '0'),
    expiresAt:
      row.credit_expires_at === null ? undefined : new Date(row.credit_expires_at).getTime(),
  }
}
