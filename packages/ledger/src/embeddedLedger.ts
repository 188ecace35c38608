import { PGlite } from '@electric-sql/pglite'
import { type CreditLedger, type Ledger, LedgerUnavailableError, type Logger } from '@tx402/core'
import { Kysely } from 'kysely'
import { creditLedger, withCredit } from './creditLedger.js'
import { type CreditStore, creditStore } from './creditStore.js'
import { lockDataDir } from './lockDataDir.js'
import { memoryClaimCache } from './memoryClaimCache.js'
import { migrate } from './migrate.js'
import { type PaymentStore, paymentStore } from './paymentStore.js'
import { reconcileEvery } from './periodicReconcile.js'
import { pgliteDialect } from './pgliteDialect.js'
import type { LedgerDatabase } from './schema.js'
import { sqlLedger } from './sqlLedger.js'

/** Options of `embeddedLedger`. */
export interface EmbeddedLedgerOptions {
  /**
   * Where PGlite keeps the database; it survives restarts. One process per directory, enforced
   * by `<dataDir>.lock` (a lock left by a dead process is taken over).
   * `'memory://'` keeps it in memory (tests). Default `'.tx402-data'`.
   */
  dataDir?: string
  /** How many consumed keys the in-process cache holds before reading old ones back from the database. Default 100000. */
  maxCachedConsumed?: number
  /** Default `console`. */
  logger?: Logger
  /**
   * Run `reconcile()` this often, in ms, in this process, logging what it released. Default
   * 60000 (`defaultReconcileEveryMs`); 0: never.
   */
  reconcileEveryMs?: number
}

/**
 * The zero-setup ledger: the same migrations and SQL as `redisPostgresLedger`, on PGlite
 * (PostgreSQL compiled to WASM, in this process) with an in-process cache in place of Redis.
 * For one process; payments survive a restart. The database opens on first use (or `ready()`).
 *
 * @example
 * const ledger = embeddedLedger({ dataDir: './.tx402-data' })
 * await ledger.ready() // optional: open and migrate now rather than on the first paid request
 */
export function embeddedLedger(options: EmbeddedLedgerOptions = {}): Ledger & {
  readonly credit: CreditLedger
  /** Opens the database and runs the migrations; throws `LedgerUnavailableError` if it cannot. */
  ready(): Promise<void>
  close(): Promise<void>
} {
  const dataDir = options.dataDir ?? '.tx402-data'
  const logger = options.logger ?? console
  let opening:
    | Promise<{
        db: Kysely<LedgerDatabase>
        store: PaymentStore
        credit: CreditStore
        unlock(): Promise<void>
      }>
    | undefined
  let closed = false

  const open = () => {
    if (closed) return Promise.reject(new LedgerUnavailableError('The embedded ledger is closed.'))
    opening ??= (async () => {
      const unlock = dataDir.startsWith('memory://') ? async () => {} : await lockDataDir(dataDir)
      let db: Kysely<LedgerDatabase> | undefined
      try {
        const pglite = await PGlite.create(dataDir)
        db = new Kysely<LedgerDatabase>({ dialect: pgliteDialect(pglite) })
        await migrate(db)
        return { db, store: paymentStore(db), credit: creditStore(db), unlock }
      } catch (error) {
        await db?.destroy()
        await unlock()
        throw error
      }
    })().catch((error: unknown) => {
      opening = undefined
      throw new LedgerUnavailableError(`The embedded ledger could not open ${dataDir}.`, {
        details: error instanceof Error ? error.message : String(error),
        cause: error,
      })
    })
    return opening
  }

  // The store opens the database on its first call, so building the ledger costs nothing.
  const store: PaymentStore = {
    isConsumed: async (key) => (await open()).store.isConsumed(key),
    claim: async (lease, record) => (await open()).store.claim(lease, record),
    renew: async (lease, ttlMs) => (await open()).store.renew(lease, ttlMs),
    consume: async (lease, response) => (await open()).store.consume(lease, response),
    unclaim: async (lease) => (await open()).store.unclaim(lease),
    findConsumed: async (key) => (await open()).store.findConsumed(key),
    countRedelivery: async (key, limit) => (await open()).store.countRedelivery(key, limit),
    deleteLapsedClaims: async () => (await open()).store.deleteLapsedClaims(),
  }

  const ledger = withCredit(
    sqlLedger({
      store,
      cache: memoryClaimCache({ maxConsumed: options.maxCachedConsumed ?? 100_000 }),
      logger,
    }),
    creditLedger(async () => (await open()).credit, logger),
  )
  const stopReconciling = reconcileEvery(ledger, options.reconcileEveryMs, logger)
  return {
    ...ledger,
    async ready() {
      await open()
    },
    async close() {
      stopReconciling()
      await ledger.close()
      closed = true
      const opened = opening
      opening = undefined
      const open = await opened?.catch(() => undefined)
      if (!open) return
      await open.db.destroy()
      await open.unlock()
    },
  }
}
