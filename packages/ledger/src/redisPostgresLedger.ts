import { ConfigurationError, type CreditLedger, type Ledger, type Logger } from '@tx402/core'
import { connectPostgres, type PostgresInput } from './connectPostgres.js'
import { connectRedis, type RedisInput } from './connectRedis.js'
import { creditLedger, withCredit } from './creditLedger.js'
import { creditStore } from './creditStore.js'
import { paymentStore } from './paymentStore.js'
import { reconcileEvery } from './periodicReconcile.js'
import { redisClaimCache } from './redisClaimCache.js'
import { redisClientLimiter } from './redisClientLimiter.js'
import { sqlLedger } from './sqlLedger.js'

/** Options of `redisPostgresLedger`. */
export interface RedisPostgresLedgerOptions {
  /**
   * One Redis server or a Redis Cluster: an ioredis `Redis` or `Cluster`, a `redis://` URL, a
   * `redis+cluster://host:port,host:port` URL of seed nodes (`rediss+cluster://` for TLS), or an
   * array of `redis://` seed URLs of one cluster. Every command keeps to one hash slot.
   */
  redis: RedisInput
  /** A Kysely instance, a pg Pool, or a `postgres://` URL. Run `migrate()` on it at startup. */
  db: PostgresInput
  /**
   * How `db` (when a URL) is pooled. `'session'` (default): a direct connection or a
   * session-pooling pooler; PostgreSQL's own `statement_timeout` (5 s) is set at connect.
   * `'transaction'`: the URL is a transaction-pooling pooler (PgBouncer `pool_mode = transaction`
   * and most hosted poolers), which refuses or drops that startup parameter: none is sent, so set
   * the pooler's own limit (PgBouncer `query_timeout`) or `ALTER ROLE … SET statement_timeout`.
   */
  dbPooling?: 'session' | 'transaction'
  /** Prefix of the ledger's Redis keys, without `{` or `}` (see hash tags). Default `'tx402:'`. */
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
   * Run `reconcile()` this often, in ms, in this process, logging the claims it released (their
   * holder died) and the credit reservations it gave back. Default 60000 (`defaultReconcileEveryMs`);
   * 0: never (then call `reconcile()` yourself, e.g. from a cron job).
   */
  reconcileEveryMs?: number
}

/**
 * The production ledger: PostgreSQL decides every mark with one atomic statement (exactly one
 * winner across all processes) and keeps the durable record; Redis answers replays in one round
 * trip, holds the in-flight lock per transaction and counts `limits.perClient` for every process
 * (`clientLimiter`). Redis down or flushed, or a cluster master
 * failing over: still exact on PostgreSQL alone, one warning logged. PostgreSQL down:
 * `LedgerUnavailableError` (503), nothing consumed. Clients made from URLs get short timeouts
 * (PostgreSQL: connect 2 s, statement 5 s, pool of 10; Redis: connect 2 s, command
 * `redisTimeoutMs`) and are closed by `close()`; clients passed in are left open. No Redis command
 * is sent while a client is reconnecting, whatever its offline-queue setting, so an outage never
 * queues requests. Rows are never deleted. Works through a transaction-pooling PgBouncer (see
 * `dbPooling`): every statement stands alone, with no session state and no named prepared
 * statement.
 *
 * @throws ConfigurationError when `redis` or `db` is missing, a cluster URL is malformed, or
 *   `keyPrefix` holds a brace.
 * @example
 * const ledger = redisPostgresLedger({ redis: process.env.REDIS_URL!, db: process.env.DATABASE_URL! })
 * await migrate(process.env.DATABASE_URL!)
 * app.use(paymentRequired({ ledger, … }))
 * @example
 * // Several machines: a Redis Cluster and PgBouncer in transaction pooling mode.
 * redisPostgresLedger({
 *   redis: 'redis+cluster://10.0.0.11:6379,10.0.0.12:6379,10.0.0.13:6379',
 *   db: 'postgres://tx402@pgbouncer.internal:6432/payments',
 *   dbPooling: 'transaction',
 * })
 */
export function redisPostgresLedger(
  options: RedisPostgresLedgerOptions,
): Ledger & { readonly credit: CreditLedger; close(): Promise<void> } {
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
  const keyPrefix = options.keyPrefix ?? 'tx402:'
  if (/[{}]/.test(keyPrefix)) {
    // A brace would make the prefix the hash tag, or an empty `{}` tag would put the keys of one
    // payment in different cluster slots.
    throw new ConfigurationError('redisPostgresLedger: `keyPrefix` must not contain `{` or `}`.')
  }
  const dbPooling = options.dbPooling ?? 'session'
  if (dbPooling !== 'session' && dbPooling !== 'transaction') {
    throw new ConfigurationError(
      "redisPostgresLedger: `dbPooling` must be 'session' or 'transaction'.",
    )
  }
  const logger = options.logger ?? console

  const { redis, own: ownRedis } = connectRedis(options.redis, redisTimeoutMs)
  // ioredis reports connection errors as events; the ledger's own warning covers them.
  if (ownRedis) redis.on('error', () => {})

  const postgres = connectPostgres(
    options.db,
    (error) =>
      logger.warn(
        { err: { name: error.name, message: error.message } },
        'tx402 ledger: idle PostgreSQL connection failed',
      ),
    { statementTimeout: dbPooling === 'session' },
  )

  const payments = sqlLedger({
    store: paymentStore(postgres.db),
    cache: redisClaimCache(redis, {
      keyPrefix,
      consumedTtlSeconds,
      timeoutMs: redisTimeoutMs,
    }),
    logger,
  })
  // Credit lives in PostgreSQL alone: Redis holds nothing of it, so no Redis fault can overspend.
  const credits = creditStore(postgres.db)
  const ledger = withCredit(
    payments,
    creditLedger(async () => credits, logger),
  )
  const stopReconciling = reconcileEvery(ledger, options.reconcileEveryMs, logger)
  return {
    ...ledger,
    clientLimiter: (limit) => redisClientLimiter(redis, keyPrefix, limit, redisTimeoutMs),
    async close() {
      stopReconciling()
      await ledger.close()
      if (ownRedis) redis.disconnect()
      await postgres.close()
    },
  }
}
