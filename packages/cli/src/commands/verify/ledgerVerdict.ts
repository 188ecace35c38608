import { openLedgerDatabase, paymentsOfTransaction } from '@tx402/ledger'
import type { Env } from '../../chains.js'
import {
  describeLedger,
  type LedgerFlags,
  ledgerConfig,
  ledgerLocation,
} from '../../ledgerConfig.js'
import { withProgress } from '../../progress.js'
import { ledgerRowJson } from '../ledgerRows.js'
import type { VerifyReport } from './verifyReport.js'

/**
 * `tx402 verify --ledger`: adds the ledger's rows of the transaction to `report` and, as the
 * server asks the ledger before the chain, turns the verdict into `tx_already_used` when a row
 * paying `payTo` is consumed, or `payment_in_progress` when one holds a live claim.
 *
 * @example await ledgerVerdict(flags, env, report, payTo, verdict)
 */
export async function ledgerVerdict(
  flags: LedgerFlags,
  env: Env,
  report: VerifyReport,
  payTo: string,
  verdict: (code: 'tx_already_used' | 'payment_in_progress', message: string) => void,
): Promise<void> {
  const config = ledgerConfig(flags, env)
  const ledger = await withProgress('opening the ledger', () =>
    openLedgerDatabase(ledgerLocation(config)),
  )
  try {
    const rows = await paymentsOfTransaction(ledger.db, report.network, [report.transaction])
    report.ledger = {
      location: describeLedger(config),
      rows: rows.map((row) => ledgerRowJson(row, env)),
    }
    const ours = rows.filter((row) => row.payTo.toLowerCase() === payTo.toLowerCase())
    // The server asks the ledger before the chain: a consumed payment is refused whatever the chain says.
    if (ours.some((row) => row.status === 'consumed')) {
      verdict('tx_already_used', 'The ledger has consumed this transaction.')
    } else if (
      ours.some((row) => row.claimExpiresAt && row.claimExpiresAt.getTime() > Date.now())
    ) {
      verdict('payment_in_progress', 'A request holds a live claim on this transaction.')
    }
  } finally {
    await ledger.close()
  }
}
