import type { Network, PaymentDetails, PaymentKey, PaymentRecord } from '@tx402/core'
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
