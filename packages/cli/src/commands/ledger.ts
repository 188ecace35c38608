import { normalizeTxId as normalizeEvmTxId } from '@tx402/chain-evm'
import { normalizeTxId as normalizeSolanaTxId } from '@tx402/chain-solana'
import {
  listPayments,
  openLedgerDatabase,
  type PaymentStatsGrouping,
  paymentStats,
  paymentsOfTransaction,
} from '@tx402/ledger'
import { amountText, assetCatalog, printAmount } from '../assets.js'
import type { Env } from '../chains.js'
import { type ExitCode, exitCodes, usageError } from '../exitCodes.js'
import { describeLedger, type LedgerFlags, ledgerConfig, ledgerLocation } from '../ledgerConfig.js'
import { fields, type OutputOptions, print, table } from '../output.js'
import { withProgress } from '../progress.js'
import { ledgerRowJson, ledgerRowsTable } from './ledgerRows.js'

/** Flags common to the `tx402 ledger` commands. */
export type LedgerCommandFlags = LedgerFlags & OutputOptions

/** Flags of `tx402 ledger list`. */
export type LedgerListFlags = LedgerCommandFlags & {
  chain?: string
  status?: string
  since?: string
  payer?: string
  limit?: string
}

/** Flags of `tx402 ledger stats`. */
export type LedgerStatsFlags = LedgerCommandFlags & { since?: string; by?: string }

async function withLedger<T>(
  flags: LedgerCommandFlags,
  env: Env,
  read: (db: Awaited<ReturnType<typeof openLedgerDatabase>>['db'], where: string) => Promise<T>,
): Promise<T> {
  const config = ledgerConfig(flags, env)
  const ledger = await withProgress(`opening the ${describeLedger(config)}`, () =>
    openLedgerDatabase(ledgerLocation(config)),
  )
  try {
    return await read(ledger.db, describeLedger(config))
  } finally {
    await ledger.close()
  }
}

/** `tx402 ledger list`: the newest rows, filtered. Exit 0, even when none match. */
export async function ledgerListCommand(flags: LedgerListFlags, env: Env): Promise<ExitCode> {
  if (flags.status !== undefined && flags.status !== 'claimed' && flags.status !== 'consumed') {
    throw usageError(`--status must be "claimed" or "consumed", got "${flags.status}".`)
  }
  const limit = flags.limit === undefined ? 50 : Number(flags.limit)
  if (!(Number.isInteger(limit) && limit > 0 && limit <= 10_000)) {
    throw usageError(`--limit must be a whole number from 1 to 10000, got "${flags.limit}".`)
  }
  const since = parseSince(flags.since)
  const rows = await withLedger(flags, env, (db) =>
    listPayments(db, {
      chain: flags.chain,
      status: flags.status as 'claimed' | 'consumed' | undefined,
      since,
      payer: flags.payer,
      limit,
    }),
  )
  const payments = rows.map((row) => ledgerRowJson(row, env))
  print(flags, { payments }, () => ledgerRowsTable(payments))
  return exitCodes.ok
}

/**
 * `tx402 ledger show CHAIN TX`: every row of one transaction (one per payer and payee when a
 * transaction holds several payments). Exit 1 when the ledger has none.
 */
export async function ledgerShowCommand(
  chain: string,
  tx: string,
  flags: LedgerCommandFlags,
  env: Env,
): Promise<ExitCode> {
  const rows = await withLedger(flags, env, (db) =>
    paymentsOfTransaction(db, chain, spellings(chain, tx)),
  )
  const payments = rows.map((row) => ledgerRowJson(row, env))
  print(flags, { payments }, () =>
    payments.length === 0
      ? `No ledger row for ${tx} on ${chain}.`
      : payments
          .map((row) =>
            fields([
              ['chain', `${row.chain} (${row.network})`],
              ['transaction', row.transaction],
              ['status', row.status],
              ['amount', amountText(row.amount)],
              ['payer', row.payer],
              ['pay to', row.payTo],
              ['asset', row.asset],
              ['resource', row.resource],
              ['challenge', row.challengeId ?? '-'],
              ['created', row.createdAt],
              ['consumed', row.consumedAt ?? '-'],
              ['claim expires', row.claimExpiresAt ?? '-'],
            ]),
          )
          .join('\n\n'),
  )
  return payments.length === 0 ? exitCodes.negative : exitCodes.ok
}

/** `tx402 ledger stats`: counts and sums of served payments, per asset, grouped. */
export async function ledgerStatsCommand(flags: LedgerStatsFlags, env: Env): Promise<ExitCode> {
  const by = (flags.by ?? 'day') as PaymentStatsGrouping
  if (!['day', 'chain', 'asset', 'route'].includes(by)) {
    throw usageError(`--by must be day, chain, asset or route, got "${flags.by}".`)
  }
  const since = parseSince(flags.since)
  const rows = await withLedger(flags, env, (db) => paymentStats(db, { by, since }))
  const catalog = assetCatalog(env)
  const groups = rows.map((row) => {
    const asset = catalog(row.network, row.asset)
    return {
      [by]: row.group,
      chain: row.chain,
      network: row.network,
      asset: row.asset,
      count: row.count,
      amount: printAmount(row.amount, asset),
      remainingCredit: printAmount(row.remainingCredit, asset),
    }
  })
  print(flags, { by, since: since?.toISOString() ?? null, groups }, () =>
    groups.length === 0
      ? 'No served payments.'
      : table(
          [by, 'chain', 'asset', 'served', 'amount', 'credit left'],
          groups.map((group) => [
            String(group[by]),
            group.chain,
            group.asset,
            String(group.count),
            amountText(group.amount),
            amountText(group.remainingCredit),
          ]),
        ),
  )
  return exitCodes.ok
}

/** `--since`: an ISO date or time, or a duration back from now (`90m`, `24h`, `7d`). */
export function parseSince(raw: string | undefined): Date | undefined {
  if (raw === undefined) return undefined
  const relative = /^([0-9]+)([smhd])$/.exec(raw)
  if (relative) {
    const unit = { s: 1, m: 60, h: 3600, d: 86400 }[relative[2] as 's' | 'm' | 'h' | 'd']
    return new Date(Date.now() - Number(relative[1]) * unit * 1000)
  }
  const time = Date.parse(raw)
  if (Number.isNaN(time)) {
    throw usageError(
      `--since must be a date (2026-11-29, 2026-11-29T12:00Z) or a duration (24h, 7d), got "${raw}".`,
    )
  }
  return new Date(time)
}

// The ledger stores canonical ids; accept what an operator pastes (0xABC…, abc…).
function spellings(chain: string, tx: string): string[] {
  const family = /^(eip155:|base|avalanche)/.test(chain)
    ? normalizeEvmTxId
    : /^solana/.test(chain)
      ? normalizeSolanaTxId
      : undefined
  try {
    return family ? [family(tx)] : [tx]
  } catch {
    throw usageError(`TX: not a transaction id of ${chain}.`)
  }
}
