import type { PaymentRow } from '@tx402/ledger'
import { amountText, assetCatalog, type PrintedAmount, printAmount } from '../assets.js'
import type { Env } from '../chains.js'
import { table } from '../output.js'

/** A ledger row as `--json` prints it (README, "Operating tx402"). */
export interface LedgerRowJson {
  chain: string
  network: string
  transaction: string
  status: 'claimed' | 'consumed'
  payer: string
  payTo: string
  /** Contract address, mint or `native`. */
  asset: string
  amount: PrintedAmount
  resource: string
  challengeId: string | null
  createdAt: string
  consumedAt: string | null
  claimExpiresAt: string | null
  remainingCredit: PrintedAmount | null
}

/** A row for `--json`, its amounts formatted with the asset's decimals where they are known. */
export function ledgerRowJson(row: PaymentRow, env: Env): LedgerRowJson {
  const asset = assetCatalog(env)(row.network, row.asset)
  return {
    chain: row.chain,
    network: row.network,
    transaction: row.txId,
    status: row.status,
    payer: row.payer,
    payTo: row.payTo,
    asset: row.asset,
    amount: printAmount(row.amount, asset),
    resource: row.resource,
    challengeId: row.challengeId,
    createdAt: row.createdAt.toISOString(),
    consumedAt: row.consumedAt?.toISOString() ?? null,
    claimExpiresAt: row.claimExpiresAt?.toISOString() ?? null,
    remainingCredit: row.remainingCredit === null ? null : printAmount(row.remainingCredit, asset),
  }
}

/** The human table of ledger rows. */
export function ledgerRowsTable(rows: readonly LedgerRowJson[]): string {
  if (rows.length === 0) return 'No payments.'
  return table(
    ['created (UTC)', 'chain', 'transaction', 'status', 'amount', 'payer', 'resource'],
    rows.map((row) => [
      row.createdAt.replace('T', ' ').slice(0, 19),
      row.chain,
      row.transaction,
      row.status,
      amountText(row.amount),
      row.payer,
      row.resource,
    ]),
  )
}
