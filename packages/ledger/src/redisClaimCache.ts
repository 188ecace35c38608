import { createHash } from 'node:crypto'
import { type PaymentKey, paymentKeyId } from '@tx402/core'
import type { Cluster, Redis } from 'ioredis'
import type { ClaimCache } from './sqlLedger.js'

// Compare-and-delete: a lease frees only its own lock, never one a later request took.
const unlockScript =
  script(`if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0`)
// The lock is refused once the payment is consumed: a request that passed the replay check just
// before another one committed must not verify the transaction again.
const lockScript = script(`if redis.call('exists', KEYS[1]) == 1 then return 0 end
if redis.call('set', KEYS[2], ARGV[1], 'PX', ARGV[2], 'NX') then return 1 end
return 0`)
// lookup + lock in one: a release owed first (the payment may look consumed until it lands), then
// the consumed mark, then the lock.
const takeScript = script(`local owed = redis.call('get', KEYS[3])
if owed then return {2, owed} end
if redis.call('exists', KEYS[1]) == 1 then return {1} end
if redis.call('set', KEYS[2], ARGV[1], 'PX', ARGV[2], 'NX') then return {0} end
return {3}`)
const takeStates = ['locked', 'consumed', 'owed', 'held'] as const
// Keeps a live holder's lock: extended if it is still this token's, taken again if it lapsed
// and nobody took it, refused if another token holds it or the payment was consumed meanwhile.
const renewScript = script(`if redis.call('exists', KEYS[1]) == 1 then return 0 end
local holder = redis.call('get', KEYS[2])
if holder == ARGV[1] then return redis.call('pexpire', KEYS[2], ARGV[2]) end
if holder then return 0 end
if redis.call('set', KEYS[2], ARGV[1], 'PX', ARGV[2], 'NX') then return 1 end
return 0`)
// Compare-and-delete of the owed release: a late landing of an older release never erases a
// release owed by a later lease of the same payment (its commit may stand for a response never
// served). The consumed mark is only a cache and always goes.
const forgetScript = script(`redis.call('del', KEYS[1])
if redis.call('get', KEYS[2]) == ARGV[1] then redis.call('del', KEYS[2]) end
return 1`)
const setConsumedScript = script(`redis.call('set', KEYS[1], '1', 'EX', ARGV[2])
if ARGV[1] ~= '' and redis.call('get', KEYS[2]) == ARGV[1] then redis.call('del', KEYS[2]) end
return 1`)

/** A Lua script run by its SHA1 (`EVALSHA`), sent whole (`EVAL`) only to a node that lacks it. */
type Script = (
  redis: Redis | Cluster,
  keys: string[],
  args: (string | number)[],
) => Promise<unknown>

// Sending each script's text with every call cost the API process about 6% of its CPU in the
// ledger bench (encoding it) and Redis a hash of it per call; a node that restarted, or a replica
// that took over, answers NOSCRIPT once and is given the text.
function script(lua: string): Script {
  const sha = createHash('sha1').update(lua).digest('hex')
  return async (redis, keys, args) => {
    try {
      return await redis.evalsha(sha, keys.length, ...keys, ...args)
    } catch (error) {
      if (!(error instanceof Error && error.message.startsWith('NOSCRIPT'))) throw error
      return redis.eval(lua, keys.length, ...keys, ...args)
    }
  }
}

/** Settings of the Redis half of the ledger. */
export interface RedisClaimCacheOptions {
  keyPrefix: string
  consumedTtlSeconds: number
  timeoutMs: number
}

/**
 * The Redis keys of one payment: the only place a payment key becomes a Redis string (its
 * `paymentKeyId`, never parsed back). They differ only after the `{…}` hash tag that holds it, so
 * Redis Cluster puts all three in one slot and a script or MGET may touch them together. (A
 * `keyPrefix` with a brace would move the tag, hence `redisPostgresLedger` refuses one.)
 *
 * @example
 * paymentRedisKeys('tx402:', { network: 'eip155:8453', txId: '0xab…', payTo: '0xBe…', payer: '0x12…' }).lock
 * // 'tx402:{["eip155:8453","0xab…","0xBe…","0x12…"]}:lock'
 */
export function paymentRedisKeys(
  keyPrefix: string,
  key: PaymentKey,
): { consumed: string; lock: string; owedRelease: string } {
  const tagged = `${keyPrefix}{${paymentKeyId(key)}}`
  return {
    consumed: `${tagged}:consumed`,
    lock: `${tagged}:lock`,
    owedRelease: `${tagged}:owed-release`,
  }
}

/**
 * Consumed keys and in-flight locks in Redis, on one server or a Redis Cluster: every command and
 * script touches the keys of one payment only (`paymentRedisKeys`), all in one slot. Fails fast:
 * while the client is not connected no command is sent (so none waits in ioredis' offline
 * queue), and each command has its own deadline, which also bounds a cluster's MOVED/ASK
 * redirections and the wait while a replica takes over from a dead master.
 */
export function redisClaimCache(
  redis: Redis | Cluster,
  options: RedisClaimCacheOptions,
): ClaimCache {
  let wasReady = redis.status === 'ready'
  redis.on('ready', () => {
    wasReady = true
  })
  const consumedKey = (key: PaymentKey) => paymentRedisKeys(options.keyPrefix, key).consumed
  const lockKey = (key: PaymentKey) => paymentRedisKeys(options.keyPrefix, key).lock
  const owedKey = (key: PaymentKey) => paymentRedisKeys(options.keyPrefix, key).owedRelease

  const send = async <T>(command: () => Promise<T>): Promise<T> => {
    const status = redis.status
    // The first connection may still be on its way; after that, anything but ready is an outage.
    const connecting =
      !wasReady && (status === 'wait' || status === 'connecting' || status === 'connect')
    if (status !== 'ready' && !connecting) throw new Error(`Redis is not connected (${status})`)
    let timer: NodeJS.Timeout | undefined
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`Redis did not answer within ${options.timeoutMs} ms`)),
        options.timeoutMs,
      )
    })
    try {
      return await Promise.race([command(), deadline])
    } finally {
      clearTimeout(timer)
    }
  }

  return {
    name: 'Redis',
    lookup: async (key) => {
      const [consumed, owed] = await send(() => redis.mget(consumedKey(key), owedKey(key)))
      return { consumed: consumed !== null, owedRelease: owed ?? undefined }
    },
    setConsumed: async (key, token) => {
      await send(() =>
        setConsumedScript(
          redis,
          [consumedKey(key), lockKey(key)],
          [token, options.consumedTtlSeconds],
        ),
      )
    },
    lock: async (key, token, ttlMs) =>
      (await send(() => lockScript(redis, [consumedKey(key), lockKey(key)], [token, ttlMs]))) === 1,
    take: async (key, token, ttlMs) => {
      const keys = paymentRedisKeys(options.keyPrefix, key)
      const [state, owed] = (await send(() =>
        takeScript(redis, [keys.consumed, keys.lock, keys.owedRelease], [token, ttlMs]),
      )) as [number, string | undefined]
      const found = takeStates[state]
      if (found === 'owed') return { state: found, owedRelease: owed ?? '' }
      if (!found) throw new Error(`unexpected answer of the take script: ${state}`)
      return { state: found }
    },
    renew: async (key, token, ttlMs) =>
      (await send(() => renewScript(redis, [consumedKey(key), lockKey(key)], [token, ttlMs]))) ===
      1,
    unlock: async (key, token) => {
      await send(() => unlockScript(redis, [lockKey(key)], [token]))
    },
    oweRelease: async (key, token) => {
      await send(() => redis.set(owedKey(key), token, 'EX', options.consumedTtlSeconds))
    },
    forgetConsumed: async (key, token) => {
      await send(() => forgetScript(redis, [consumedKey(key), owedKey(key)], [token]))
    },
  }
}
