import { randomUUID } from 'node:crypto'
import {
  checkCreditGrant,
  describeFault,
  type Lease,
  type Ledger,
  LedgerUnavailableError,
  type Logger,
  type PaymentKey,
} from '@tx402/core'
import { owedReleases } from './owedReleases.js'
import type { PaymentStore } from './paymentStore.js'

/**
 * The ledger's fast half (Redis, or memory for the embedded ledger): a cache of consumed
 * payments and one in-flight lock per payment, by its structured key (each cache encodes it as
 * its store needs). Never the authority: a lost or wrong-empty cache only costs speed, because
 * the store decides every mark.
 */
export interface ClaimCache {
  /** What to call it in the log line written when it fails. */
  readonly name: string
  /** Whether the key is cached as consumed, and the token of a release still owed for it. */
  lookup(key: PaymentKey): Promise<{ consumed: boolean; owedRelease: string | undefined }>
  /**
   * Records that `token`'s release could not reach the database: its commit may have landed for
   * a response that was never served. Any process finishes that release before answering.
   */
  oweRelease(key: PaymentKey, token: string): Promise<void>
  /** Remembers a committed key and drops this lease's lock, in one round trip. */
  setConsumed(key: PaymentKey, token: string): Promise<void>
  /** Takes the lock for `ttlMs` if it is free and the key is not consumed, in one round trip. */
  lock(key: PaymentKey, token: string, ttlMs: number): Promise<boolean>
  /**
   * Extends this token's lock to `ttlMs` (taking it again if it lapsed and nobody took it);
   * false when another token holds it or the payment is consumed.
   */
  renew(key: PaymentKey, token: string, ttlMs: number): Promise<boolean>
  /** Drops the lock only if this token still holds it. */
  unlock(key: PaymentKey, token: string): Promise<void>
  /** Forgets a consumed key and any release owed for it: its commit was undone. */
  forgetConsumed(key: PaymentKey): Promise<void>
}

/**
 * A `Ledger` from a store (the authority) and a cache (the speed). A cache fault is logged once
 * per outage and then worked around on the store alone; a store fault throws
 * `LedgerUnavailableError`.
 */
export function sqlLedger(options: {
  store: PaymentStore
  cache: ClaimCache
  logger: Logger
}): Ledger & { close(): Promise<void> } {
  const { store, cache, logger } = options
  let cacheDown = false
  // Leases that reached the store (mark was called), by token, with when they lapse: only those
  // can have a claim row to delete, so releasing any other (a payment the chain refused) costs no
  // SQL. An entry whose lease lapsed may be dropped: its row, if any, is taken over anyway.
  const claiming = new Map<string, number>()
  let sweepAt = 10_000

  // Each call that reaches the cache says whether it worked, so a warning is written once when
  // an outage starts and a line when it ends, not once per request.
  const viaCache = async <T>(run: () => Promise<T>, fallback: T): Promise<T> => {
    try {
      const result = await run()
      if (cacheDown) {
        cacheDown = false
        logger.info({}, `tx402 ledger: ${cache.name} is back`)
      }
      return result
    } catch (error) {
      if (!cacheDown) {
        cacheDown = true
        logger.warn(
          { err: describeFault(error) },
          `tx402 ledger: ${cache.name} failed; running on the database alone (slower, still exact)`,
        )
      }
      return fallback
    }
  }

  // The one owner of a release that failed: this ledger, never the engine.
  const owed = owedReleases(
    (lease) => store.unclaim(lease),
    async (lease) => {
      claiming.delete(lease.token)
      await viaCache(() => cache.forgetConsumed(lease.key), undefined)
    },
    logger,
  )

  return {
    async isConsumed(key) {
      // A release this process owes goes first: until it lands, the payment looks consumed.
      await owed.land(key)
      const cached = await viaCache(() => cache.lookup(key), undefined)
      if (cached?.owedRelease) {
        // Another process (maybe one that died) owes this release: finish it before answering.
        await store.unclaim({ key, token: cached.owedRelease, expiresAt: 0 })
        await viaCache(() => cache.forgetConsumed(key), undefined)
      } else if (cached?.consumed) {
        return true
      }
      // A miss is not an answer: the cache may have been flushed or may be down.
      const consumed = await store.isConsumed(key)
      if (consumed) await viaCache(() => cache.setConsumed(key, ''), undefined)
      return consumed
    },

    async acquire(key, ttlMs) {
      if (!(Number.isFinite(ttlMs) && ttlMs > 0)) {
        throw new RangeError(`acquire: ttlMs must be a positive number, got ${ttlMs}`)
      }
      const lease: Lease = { key, token: randomUUID(), expiresAt: Date.now() + ttlMs }
      // Without the cache the lease is granted and `mark` alone decides: duplicate RPC work at
      // worst, never a double grant.
      const locked = await viaCache(() => cache.lock(key, lease.token, Math.ceil(ttlMs)), true)
      return locked ? lease : undefined
    },

    async mark(lease, details) {
      checkCreditGrant(lease.key, details)
      claiming.set(lease.token, lease.expiresAt)
      if (claiming.size > sweepAt) {
        const now = Date.now()
        for (const [token, expiresAt] of claiming) if (expiresAt <= now) claiming.delete(token)
        sweepAt = Math.max(10_000, claiming.size * 2)
      }
      return store.claim(lease, details)
    },

    async renew(lease, ttlMs) {
      const sent = Date.now()
      if (claiming.has(lease.token)) {
        // Marked: the claim row decides; the lock only saves other requests an RPC call.
        if (!(await store.renew(lease, ttlMs))) return false
        claiming.set(lease.token, sent + ttlMs)
        await viaCache(() => cache.renew(lease.key, lease.token, Math.ceil(ttlMs)), true)
      } else if (
        !(await viaCache(() => cache.renew(lease.key, lease.token, Math.ceil(ttlMs)), true))
      ) {
        return false
      }
      lease.expiresAt = sent + ttlMs
      return true
    },

    async commit(lease, response) {
      if (!(await store.consume(lease, response))) {
        throw new LedgerUnavailableError('The claim on this payment was lost before commit.')
      }
      // Kept in `claiming` until released or lapsed: a commit the engine could not confirm is
      // undone by `release`, which must then reach the store.
      await viaCache(() => cache.setConsumed(lease.key, lease.token), undefined)
    },

    async release(lease) {
      // The claim first, then the lock: freeing the lock first would let a new request run into
      // the claim still held here.
      try {
        if (claiming.has(lease.token)) {
          let undone: 'claimed' | 'consumed' | undefined
          try {
            undone = await store.unclaim(lease)
          } catch (error) {
            // Recorded where every process looks first, so none calls the payment used meanwhile
            // (and the release outlives this process); retried here until it lands.
            await viaCache(() => cache.oweRelease(lease.key, lease.token), undefined)
            owed.owe(lease)
            throw error
          }
          claiming.delete(lease.token)
          // Another request may have cached the consumed row while the commit's reply was lost.
          if (undone === 'consumed') {
            await viaCache(() => cache.forgetConsumed(lease.key), undefined)
          }
        }
      } finally {
        await viaCache(() => cache.unlock(lease.key, lease.token), undefined)
      }
    },

    findDelivered: (key) => store.findConsumed(key),

    async reconcile() {
      return { released: await store.deleteLapsedClaims() }
    },

    async close() {
      owed.stop()
    },
  }
}
