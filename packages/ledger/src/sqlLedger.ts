import { randomUUID } from 'node:crypto'
import {
  checkCreditGrant,
  describeFault,
  type Lease,
  type Ledger,
  LedgerUnavailableError,
  type Logger,
  type MarkResult,
  type PaymentDetails,
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
   * `lookup` and `lock` in one round trip: a release owed for the key (nothing taken), the key
   * cached as consumed (nothing taken), the lock taken for `token`, or held by another token.
   */
  take(key: PaymentKey, token: string, ttlMs: number): Promise<CacheTake>
  /**
   * Extends this token's lock to `ttlMs` (taking it again if it lapsed and nobody took it);
   * false when another token holds it or the payment is consumed.
   */
  renew(key: PaymentKey, token: string, ttlMs: number): Promise<boolean>
  /** Drops the lock only if this token still holds it. */
  unlock(key: PaymentKey, token: string): Promise<void>
  /**
   * Forgets a consumed key, and the release owed for it if that is `token`'s: its commit was
   * undone. A release owed by another lease stays (compare-and-delete).
   */
  forgetConsumed(key: PaymentKey, token: string): Promise<void>
}

/** What `ClaimCache.take` found. */
export type CacheTake =
  | { state: 'owed'; owedRelease: string }
  | { state: 'consumed' | 'locked' | 'held' }

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
      await viaCache(() => cache.forgetConsumed(lease.key, lease.token), undefined)
    },
    logger,
  )

  // Another process (maybe one that died) owes this release: finished before answering.
  const landOwedElsewhere = async (key: PaymentKey, token: string) => {
    await store.unclaim({ key, token, expiresAt: 0 })
    await viaCache(() => cache.forgetConsumed(key, token), undefined)
  }

  const newLease = (key: PaymentKey, ttlMs: number): Lease => {
    if (!(Number.isFinite(ttlMs) && ttlMs > 0)) {
      throw new RangeError(`acquire: ttlMs must be a positive number, got ${ttlMs}`)
    }
    return { key, token: randomUUID(), expiresAt: Date.now() + ttlMs }
  }

  const markInStore = async (lease: Lease, details: PaymentDetails) => {
    checkCreditGrant(lease.key, details)
    claiming.set(lease.token, lease.expiresAt)
    if (claiming.size > sweepAt) {
      const now = Date.now()
      for (const [token, expiresAt] of claiming) if (expiresAt <= now) claiming.delete(token)
      sweepAt = Math.max(10_000, claiming.size * 2)
    }
    return store.claim(lease, details)
  }

  const release = async (lease: Lease): Promise<void> => {
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
          await viaCache(() => cache.forgetConsumed(lease.key, lease.token), undefined)
        }
      }
    } finally {
      await viaCache(() => cache.unlock(lease.key, lease.token), undefined)
    }
  }

  return {
    async claim(key, ttlMs, details) {
      // A release this process owes goes first: until it lands, the payment looks consumed.
      await owed.land(key)
      const lease = newLease(key, ttlMs)
      // One round trip to the cache: consumed, held, or locked for this lease. Without the cache
      // the store alone decides (duplicate work at worst, never a double grant).
      let cached = await viaCache(() => cache.take(key, lease.token, Math.ceil(ttlMs)), undefined)
      if (cached?.state === 'owed') {
        await landOwedElsewhere(key, cached.owedRelease)
        cached = await viaCache(() => cache.take(key, lease.token, Math.ceil(ttlMs)), undefined)
      }
      if (cached?.state === 'consumed') return 'consumed'
      if (cached?.state === 'owed') return 'in_progress'
      if (cached?.state === 'held') {
        // A lock is not an answer either: one left behind (its unlock lost, as during a slot
        // move) may outlive the commit, and a consumed payment is then 'consumed', not 409.
        if (!(await store.isConsumed(key))) return 'in_progress'
        await viaCache(() => cache.setConsumed(key, ''), undefined)
        return 'consumed'
      }
      // The store decides, and says 'consumed' itself when the cache was flushed or down.
      let marked: MarkResult
      try {
        marked = await markInStore(lease, details)
      } catch (error) {
        // Its reply may be what was lost: undone, or owed, like any release.
        await release(lease).catch(() => undefined)
        throw error
      }
      if (marked === 'marked') return lease
      claiming.delete(lease.token)
      // Lost: the lock goes; a consumed payment is cached as such by the same script.
      await viaCache(
        () =>
          marked === 'consumed'
            ? cache.setConsumed(key, lease.token)
            : cache.unlock(key, lease.token),
        undefined,
      )
      return marked
    },

    async isConsumed(key) {
      // A release this process owes goes first: until it lands, the payment looks consumed.
      await owed.land(key)
      const cached = await viaCache(() => cache.lookup(key), undefined)
      if (cached?.owedRelease) {
        await landOwedElsewhere(key, cached.owedRelease)
      } else if (cached?.consumed) {
        return true
      }
      // A miss is not an answer: the cache may have been flushed or may be down.
      const consumed = await store.isConsumed(key)
      if (consumed) await viaCache(() => cache.setConsumed(key, ''), undefined)
      return consumed
    },

    async acquire(key, ttlMs) {
      const lease = newLease(key, ttlMs)
      // Without the cache the lease is granted and `mark` alone decides: duplicate RPC work at
      // worst, never a double grant.
      const locked = await viaCache(() => cache.lock(key, lease.token, Math.ceil(ttlMs)), true)
      return locked ? lease : undefined
    },

    mark: markInStore,

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

    release,

    findDelivered: (key) => store.findConsumed(key),

    countRedelivery: (key, limit) => store.countRedelivery(key, limit),

    async reconcile() {
      return { released: await store.deleteLapsedClaims() }
    },

    async close() {
      owed.stop()
    },
  }
}
