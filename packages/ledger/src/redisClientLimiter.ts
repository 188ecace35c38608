import {
  type ClientLimit,
  type ClientLimiter,
  clientLimiter,
  clientLimitOptions,
} from '@tx402/core'
import type { Cluster, Redis } from 'ioredis'
import { RateLimiterMemory, RateLimiterRedis, RLWrapperTimeouts } from 'rate-limiter-flexible'

/**
 * A per-client limiter counted in Redis, so every process on the ledger's Redis shares each
 * client's window (rate-limiter-flexible's `RateLimiterRedis`; one key per client, so it works on
 * a Redis Cluster too). While Redis is not connected, or does not answer within `timeoutMs` (a
 * client passed in may have no command timeout of its own), it counts in this process's memory
 * instead of refusing or holding payments. Keys: `<keyPrefix>limit:<max>:<window s>:<client>`, so routes with the
 * same limit share one count per client.
 *
 * @example redisClientLimiter(redis, 'tx402:', { max: 30, windowMs: 60_000 }, 1_000)
 */
export function redisClientLimiter(
  redis: Redis | Cluster,
  keyPrefix: string,
  limit: ClientLimit,
  timeoutMs: number,
): ClientLimiter {
  const options = clientLimitOptions(limit)
  return clientLimiter(
    new RLWrapperTimeouts({
      limiter: new RateLimiterRedis({
        ...options,
        storeClient: redis,
        keyPrefix: `${keyPrefix}limit:${options.points}:${options.duration}`,
        rejectIfRedisNotReady: true,
      }),
      timeoutMs,
      // The one fallback, on a fault or a timeout alike (the inner limiter has none, so a late
      // fault is not counted twice).
      insuranceLimiter: new RateLimiterMemory(options),
    }),
  )
}
