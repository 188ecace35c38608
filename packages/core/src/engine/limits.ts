import { LRUCache } from 'lru-cache'
import type { RateLimiterAbstract } from 'rate-limiter-flexible'
// Not the package index, which loads Node-only limiters (see rateLimiterMemory.d.ts).
import RateLimiterMemory from 'rate-limiter-flexible/lib/RateLimiterMemory.js'
import { ConfigurationError } from '../errors.js'

/** At most `max` payment attempts per client per window of `windowMs` (whole seconds). */
export interface ClientLimit {
  max: number
  windowMs: number
}

/**
 * Limits on unpaid verification work, so a flood of random transaction ids cannot run up RPC
 * cost: a short negative cache of `tx_not_found`, a cap on concurrent verifications per chain
 * (both per process), and an optional fixed-window limit per client, shared by every process
 * when the ledger offers a `clientLimiter` (`redisPostgresLedger` does, on its Redis).
 *
 * @example
 * paymentRequired({ …, limits: { maxConcurrentVerifications: 16, perClient: { max: 30, windowMs: 60_000 } } })
 */
export interface VerificationLimits {
  /** How long a `tx_not_found` verdict is answered from memory, in ms. Default 5000; 0 turns it off. */
  notFoundCacheMs?: number
  /**
   * Concurrent on-chain verifications per chain; more are answered 429. Default 32. Counted apart
   * for attempts answering a valid challenge and for those without one (up to twice this in all),
   * so a flood of random hashes cannot take the slots of payers who paid against a challenge.
   * A challenge is free to fetch and valid for any hash until it expires: a flood that fetches
   * one competes with payers in their lane; `perClient` is what bounds such a client.
   */
  maxConcurrentVerifications?: number
  /**
   * Verification attempts per client per window; more are answered 429. Off by default. The
   * window is rounded up to whole seconds. Attempts with a valid challenge are counted apart
   * (under the key `challenged <client>`), each kind up to `max`.
   */
  perClient?: ClientLimit
}

/**
 * Counts payment attempts per client. A ledger may offer one shared by every process using it
 * (`Ledger.clientLimiter`); otherwise the engine counts in memory, per process.
 */
export interface ClientLimiter {
  /**
   * Counts one attempt by `client`: 0 when it is allowed, else the seconds until the client may
   * try again. A store fault must not refuse payments: count in memory meanwhile, or allow.
   */
  take(client: string): Promise<number>
}

/**
 * A `ClientLimiter` over a rate-limiter-flexible limiter (`RateLimiterMemory`, `RateLimiterRedis`…).
 * A fault of its store (an Error rather than a `RateLimiterRes`) allows the attempt: give the
 * limiter an `insuranceLimiter` to keep counting in memory meanwhile.
 *
 * @example const limiter = clientLimiter(new RateLimiterRedis({ storeClient: redis, points: 30, duration: 60 }))
 */
export function clientLimiter(limiter: RateLimiterAbstract): ClientLimiter {
  return {
    async take(client) {
      try {
        await limiter.consume(client)
        return 0
      } catch (rejection) {
        // Over the limit: a RateLimiterRes. A store fault: an Error.
        const waitMs = (rejection as { msBeforeNext?: unknown } | undefined)?.msBeforeNext
        if (rejection instanceof Error || typeof waitMs !== 'number') return 0
        return Math.max(1, Math.ceil(waitMs / 1000))
      }
    },
  }
}

/**
 * The limit as rate-limiter-flexible options (points per duration in seconds), checked.
 *
 * @throws ConfigurationError when `max` is not a positive integer or `windowMs` not positive.
 * @example new RateLimiterMemory(clientLimitOptions({ max: 30, windowMs: 60_000 }))
 */
export function clientLimitOptions(limit: ClientLimit): { points: number; duration: number } {
  if (!(Number.isInteger(limit?.max) && limit.max > 0)) {
    throw new ConfigurationError(
      `limits.perClient.max must be a positive integer, got ${limit?.max}.`,
    )
  }
  if (!(Number.isFinite(limit.windowMs) && limit.windowMs > 0)) {
    throw new ConfigurationError(
      `limits.perClient.windowMs must be a positive number of ms, got ${limit.windowMs}.`,
    )
  }
  return { points: limit.max, duration: Math.ceil(limit.windowMs / 1000) }
}

/** This process's count per client. */
export function memoryClientLimiter(limit: ClientLimit): ClientLimiter {
  return clientLimiter(new RateLimiterMemory(clientLimitOptions(limit)))
}

/** Transactions the chain did not know a moment ago, each kept for `ttlMs` (oldest evicted first). */
export function notFoundCache(ttlMs: number, max = 10_000) {
  const cache = ttlMs > 0 ? new LRUCache<string, true>({ max, ttl: ttlMs }) : undefined
  return {
    /** Milliseconds until `key` may be asked of the chain again; 0 now. */
    remainingMs: (key: string): number => cache?.getRemainingTTL(key) ?? 0,
    /** Remembers `key` as not found; false when the cache is off. */
    add: (key: string): boolean => cache?.set(key, true) !== undefined,
  }
}
