import { amountText, type PrintedAmount } from '../../assets.js'
import { fields, type OutputOptions, print } from '../../output.js'
import type { LedgerRowJson } from '../ledgerRows.js'

/** What `tx402 verify --json` prints (README, "Operating tx402"). */
export interface VerifyReport {
  /** `confirmed`, or the `error` code the server would answer. */
  code: string
  /** The HTTP status the server would answer: 200 for `confirmed`. */
  status: number
  message: string
  chain: string
  network: string
  transaction: string
  payTo: string
  required: PrintedAmount
  /** What `payTo` received, from the chain; null unless confirmed. */
  received: PrintedAmount | null
  payer: string | null
  /** Unix seconds of the transaction's block; null when the chain does not have it. */
  blockTime: number | null
  confirmations: number | null
  commitment: string | null
  /** With `--ledger`: the ledger's rows of this transaction. */
  ledger?: { location: string; rows: LedgerRowJson[] }
}

/**
 * Prints a verify report: as JSON with `--json`, else one labelled field a line.
 *
 * @example printVerifyReport(flags, report)
 */
export function printVerifyReport(flags: OutputOptions, report: VerifyReport): void {
  print(flags, report, () =>
    fields([
      ['verdict', `${report.code} (HTTP ${report.status})`],
      ['message', report.message],
      ['chain', `${report.chain} (${report.network})`],
      ['transaction', report.transaction],
      ['pay to', report.payTo],
      ['required', amountText(report.required)],
      ['received', report.received ? amountText(report.received) : '-'],
      ['payer', report.payer ?? '-'],
      [
        'block time',
        report.blockTime === null ? '-' : new Date(report.blockTime * 1000).toISOString(),
      ],
      [
        'confirmations',
        report.commitment
          ? `${report.commitment}${report.confirmations === null ? '' : ` (${report.confirmations})`}`
          : String(report.confirmations ?? '-'),
      ],
      ...(report.ledger
        ? ([
            [
              'ledger',
              report.ledger.rows.length
                ? report.ledger.rows
                    .map((row) => `${row.status} for ${row.resource} (payer ${row.payer})`)
                    .join('; ')
                : `no row (${report.ledger.location})`,
            ],
          ] as const)
        : []),
    ]),
  )
}
