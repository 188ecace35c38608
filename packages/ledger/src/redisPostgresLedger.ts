import { ConfigurationError, type Ledger, type Logger } from '@tx402/core'
import { Redis } from 'ioredis'
import { connectPostgres, type PostgresInput } from './connectPostgres.js'
import { paymentStore } from './paymentStore.js'
import { reconcileEvery } from './periodicReconcile.js'
import { redisClaimCache } from './redisClaimCache.js'
import { sqlLedger } from './sqlLedger.js'

/** Options of `redisPostgresLedger`. */
export interface RedisPostgresLedgerOptions {
  /** An ioredis client or a `redis://` URL. */
  redis: Redis | string
  /** A Kysely instance, a pg Pool, or a `postgres://` URL. Run `migrate()` on it at startup. */
  db: PostgresInput
  /** Prefix of the ledger's Redis keys. Default `'tx402:'`. */
  keyPrefix?: string
  /**
   * How long Redis remembers a consumed transaction, in seconds. Keep it no shorter than the
   * longest transaction age a chain accepts, so a replay stays a one-round-trip answer; past it
   * PostgreSQL still answers. Default 604800 (7 days).
   */
  consumedTtlSeconds?: number
  /** Deadline of one Redis command before the ledger goes on without Redis. Default 1000. */
  redisTimeoutMs?: number
  /** Where the once-per-outage Redis warning goes. Default `console`. */
  logger?: Logger
  /**
   * Run `reconcile()` this often, in ms, logging the claims it released (their holder died).
   * Default 0: never (call `reconcile()` yourself, e.g. from a cron job).
   */
  reconcileEveryMs?: number
}

/**
 * The production ledger: PostgreSQL decides every mark with one atomic statement (exactly one
 * winner across all processes) and keeps the durable record; Redis answers replays in one round
 * trip and holds the in-flight lock per transaction. Redis down or flushed: still exact on
 * PostgreSQL alone, one warning logged. PostgreSQL down: `LedgerUnavailableError` (503), nothing
 * consumed. Clients made from URLs get short timeouts (PostgreSQL: connect 2 s, statement 5 s,
 * pool of 10; Redis: connect 2 s, command `redisTimeoutMs`) and are closed by `close()`; clients
 * passed in are left open. No Redis command is sent while a client is reconnecting, whatever its
 * offline-queue setting, so an outage never queues requests. Rows are never deleted.
 *
 * @example
 * const ledger = redisPostgresLedger({ redis: process.env.REDIS_URL!, db: process.env.DATABASE_URL! })
 * await migrate(process.env.DATABASE_URL!)
 * app.use(paymentRequired({ ledger, … }))
 */
export function redisPostgresLedger(
  options: RedisPostgresLedgerOptions,
): Ledger & { close(): Promise<void> } {
  if (!options?.redis) throw new ConfigurationError('redisPostgresLedger: `redis` is required.')
  if (!options.db) throw new ConfigurationError('redisPostgresLedger: `db` is required.')
  const consumedTtlSeconds = options.consumedTtlSeconds ?? 7 * 24 * 3600
  const redisTimeoutMs = options.redisTimeoutMs ?? 1_000
  if (!(Number.isInteger(consumedTtlSeconds) && consumedTtlSeconds > 0)) {
    throw new ConfigurationError(
      'redisPostgresLedger: `consumedTtlSeconds` must be a positive integer.',
    )
  }
  if (!(redisTimeoutMs > 0)) {
    throw new ConfigurationError('redisPostgresLedger: `redisTimeoutMs` must be positive.')
  }
  const logger = options.logger ?? console

  const ownRedis = typeof options.redis === 'string'
  const redis =
    typeof options.redis === 'string'
      ? new Redis(options.redis, {
          connectTimeout: 2_000,
          commandTimeout: redisTimeoutMs,
          // A command fails after one reconnect attempt instead of waiting for Redis to return.
          maxRetriesPerRequest: 1,
          // Reconnects forever, at most every 2 s: the ledger uses Redis again once it is back.
          retryStrategy: (times) => Math.min(times * 100, 2_000),
        })
      : options.redis
  // ioredis reports connection errors as events; the ledger's own warning covers them.
  if (ownRedis) redis.on('error', () => {})

  const postgres = connectPostgres(options.db, (error) =>
    logger.warn(
      { err: { name: error.name, message: error.message } },
      'tx402 ledger: idle PostgreSQL connection failed',
    ),
  )

  const ledger = sqlLedger({
    store: paymentStore(postgres.db),
    cache: redisClaimCache(redis, {
      keyPrefix: options.keyPrefix ?? 'tx402:',
      consumedTtlSeconds,
      timeoutMs: redisTimeoutMs,
    }),
    logger,
  })
  const stopReconciling = reconcileEvery(ledger, options.reconcileEveryMs, logger)
  return {
    ...ledger,
    async close() {
      stopReconciling()
      if (ownRedis) redis.disconnect()
      await postgres.close()
    },
  }
}
