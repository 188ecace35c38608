import { existsSync } from 'node:fs'
import { type Ledger, type PaymentKey, paymentKeyId, samePayment } from '@tx402/core'
import {
  type ClaimRow,
  claims,
  embeddedLedger,
  openLedgerDatabase,
  redisPostgresLedger,
} from '@tx402/ledger'
import { amountText } from '../assets.js'
import type { Env } from '../chains.js'
import { type ExitCode, exitCodes, usageError } from '../exitCodes.js'
import {
  describeLedger,
  type LedgerConfig,
  type LedgerFlags,
  ledgerConfig,
  ledgerLocation,
} from '../ledgerConfig.js'
import { type OutputOptions, print, table } from '../output.js'
import { withProgress } from '../progress.js'
import { type LedgerRowJson, ledgerRowJson } from './ledgerRows.js'

/** Flags of `tx402 reconcile`. */
export interface ReconcileFlags extends LedgerFlags, OutputOptions {
  dryRun?: boolean
}

/** One claim in `tx402 reconcile --json`, with what was (or would be) done with it. */
export interface ReconcileEntry extends LedgerRowJson {
  /**
   * `released`, `would release` (dry run), `left alone` (its holder is alive), or `awaits its
   * token` (a credit purchase whose process died after its response: the first spend of its
   * token commits it, docs/protocol.md 6.1).
   */
  action: 'released' | 'would release' | 'left alone' | 'awaits its token'
}

/**
 * `tx402 reconcile`: finds the claims left by processes that died (their lease lapsed: nothing
 * renews them) and releases them with the ledger's own `reconcile()`, so those payments can be
 * presented again; claims still renewed by a live process are listed and left alone.
 * `--dry-run` only reads. Exit 0.
 */
export async function reconcileCommand(flags: ReconcileFlags, env: Env): Promise<ExitCode> {
  const config = ledgerConfig(flags, env)
  const where = describeLedger(config)
  const found = await withProgress(`reading the claims of the ${where}`, async () => {
    const ledger = await openLedgerDatabase(ledgerLocation(config))
    try {
      return await claims(ledger.db)
    } finally {
      await ledger.close()
    }
  })
  let released: PaymentKey[] = []
  if (!flags.dryRun && found.some((claim) => claim.lapsed && !claim.awaitingToken)) {
    released = await withProgress(`releasing lapsed claims in the ${where}`, async () => {
      const ledger = openLedger(config)
      try {
        return (await ledger.reconcile()).released
      } finally {
        await ledger.close?.()
      }
    })
  }
  const entries: ReconcileEntry[] = found.map((claim) => ({
    ...ledgerRowJson(claim, env),
    action: action(claim, flags.dryRun === true, released),
  }))
  // Claims that lapsed between the read and the release were released too.
  const others = released
    .filter((key) => !found.some((claim) => samePayment(key, claim)))
    .map(paymentKeyId)
  print(
    flags,
    { dryRun: flags.dryRun === true, ledger: where, claims: entries, alsoReleased: others },
    () => {
      if (entries.length === 0 && others.length === 0) return `${where}: no claims, nothing to do.`
      return [
        table(
          ['action', 'chain', 'transaction', 'amount', 'resource', 'claim lapses (UTC)'],
          entries.map((entry) => [
            entry.action,
            entry.chain,
            entry.transaction,
            amountText(entry.amount),
            entry.resource,
            entry.claimExpiresAt?.replace('T', ' ').slice(0, 19) ?? '-',
          ]),
        ),
        ...others.map((key) => `released ${key} (lapsed while reconciling)`),
      ].join('\n')
    },
  )
  return exitCodes.ok
}

function action(
  claim: ClaimRow,
  dryRun: boolean,
  released: PaymentKey[],
): ReconcileEntry['action'] {
  if (!claim.lapsed) return 'left alone'
  if (claim.awaitingToken) return 'awaits its token'
  if (dryRun) return 'would release'
  // A lapsed claim that reconcile did not delete was taken over by a live request meanwhile.
  return released.some((key) => samePayment(key, claim)) ? 'released' : 'left alone'
}

// The ledger's own reconcile, on the ledger the server runs.
function openLedger(config: LedgerConfig): Ledger {
  if (config.kind === 'embedded') {
    if (!existsSync(config.dataDir))
      throw usageError(`No embedded ledger at ${config.dataDir} (TX402_DATA_DIR).`)
    return embeddedLedger({ dataDir: config.dataDir })
  }
  if (!config.redisUrl) {
    throw usageError(
      '--redis-url (or REDIS_URL) is required: reconcile runs on the ledger the API runs, Redis + PostgreSQL.',
    )
  }
  return redisPostgresLedger({ db: config.databaseUrl, redis: config.redisUrl })
}
