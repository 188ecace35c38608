import {
  type ClientLimit,
  type ClientLimiter,
  clientLimiter,
  clientLimitOptions,
} from '@tx402/core'
import type { Cluster, Redis } from 'ioredis'
import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible'

/**
 * A per-client limiter counted in Redis, so every process on the ledger's Redis shares each
 * client's window (rate-limiter-flexible's `RateLimiterRedis`; one key per client, so it works on
 * a Redis Cluster too). While Redis is not connected it counts in this process's memory instead
 * of refusing payments. Keys: `<keyPrefix>limit:<max>:<window s>:<client>`, so routes with the
 * same limit share one count per client.
 *
 * @example ledger.clientLimiter({ max: 30, windowMs: 60_000 })
 */
export function redisClientLimiter(
  redis: Redis | Cluster,
  keyPrefix: string,
  limit: ClientLimit,
): ClientLimiter {
  const options = clientLimitOptions(limit)
  return clientLimiter(
    new RateLimiterRedis({
      ...options,
      storeClient: redis,
      keyPrefix: `${keyPrefix}limit:${options.points}:${options.duration}`,
      rejectIfRedisNotReady: true,
      insuranceLimiter: new RateLimiterMemory(options),
    }),
  )
}
