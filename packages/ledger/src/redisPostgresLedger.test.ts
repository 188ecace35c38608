import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { ConfigurationError, type Lease, type Ledger, type PaymentRecord } from '@tx402/core'
import { describeWithServices } from '@tx402/testing/services'
import { Redis } from 'ioredis'
import { CamelCasePlugin, Kysely, PostgresDialect } from 'kysely'
import pg from 'pg'
import { migrate } from './migrate.js'
import { paymentRedisKeys, redisClaimCache } from './redisClaimCache.js'
import { redisPostgresLedger } from './redisPostgresLedger.js'
import { paymentsTable } from './schema.js'
import { describeLedgerContract, freshPayment } from './test/ledgerContract.js'
import { countingDb, prepareTestDatabase, testDatabaseUrl } from './test/postgres.js'
import { raceFourProcesses } from './test/processRace.js'
import { nextLine, spawnScript } from './test/spawnScript.js'

const redisUrl = 'redis://127.0.0.1:6379'
const wire = (record: PaymentRecord) => ({ ...record, amount: record.amount.toString() })

describeWithServices('redisPostgresLedger', ['postgres', 'redis'], () => {
  // Keys of this run only: the machine's Redis is shared with other test files.
  const keyPrefix = `tx402test:${randomBytes(6).toString('hex')}:`
  const counting = countingDb()
  let redis: Redis
  let ledger: Ledger

  before(async function () {
    this.timeout(30_000)
    await prepareTestDatabase()
    redis = new Redis(redisUrl)
    ledger = redisPostgresLedger({ redis, db: counting.db, keyPrefix })
  })

  after(async () => {
    await ledger?.close?.()
    if (redis) {
      const keys = await redis.keys(`${keyPrefix}*`)
      if (keys.length) await redis.del(...keys)
      redis.disconnect()
    }
    await counting.db.destroy()
  })

  describeLedgerContract('redisPostgresLedger', () => ledger)

  // An app's own Kysely often carries plugins (CamelCasePlugin renames every row's keys): the
  // ledger reads its own snake_case rows, so it must work on that instance unchanged.
  describe('on an app Kysely with CamelCasePlugin', () => {
    const pool = new pg.Pool({ connectionString: testDatabaseUrl, max: 2 })
    // biome-ignore lint/suspicious/noExplicitAny: an app's database type
    const appDb = new Kysely<any>({
      dialect: new PostgresDialect({ pool }),
      plugins: [new CamelCasePlugin()],
    })
    let appLedger: Ledger
    before(async () => {
      await migrate(appDb)
      appLedger = redisPostgresLedger({ redis, db: appDb, keyPrefix: `${keyPrefix}camel:` })
    })
    after(async () => {
      await appLedger?.close?.()
      await appDb.destroy()
    })

    describeLedgerContract('redisPostgresLedger (CamelCasePlugin)', () => appLedger)
  })

  describe('Redis as the fast path, PostgreSQL as the authority', () => {
    it('answers a replay after commit from Redis with zero PostgreSQL queries', async () => {
      const { key, record } = freshPayment()
      const lease = (await ledger.acquire(key, 30_000))!
      assert.equal(await ledger.mark(lease, record), 'marked')
      await ledger.commit(lease)
      const before = counting.queries()
      assert.equal(await ledger.isConsumed(key), true)
      assert.equal(await ledger.isConsumed(key), true)
      assert.equal(counting.queries() - before, 0)
    })

    it('runs its scripts again after Redis forgot them (SCRIPT FLUSH, as after a restart)', async () => {
      // The scripts go by their SHA1: a node without them answers NOSCRIPT and is sent the text.
      await redis.script('FLUSH')
      const { key, record } = freshPayment()
      const taken = await ledger.claim!(key, 30_000, record)
      assert.equal(typeof taken, 'object')
      const lockKey = paymentRedisKeys(keyPrefix, key).lock
      assert.equal(await redis.get(lockKey), (taken as { token: string }).token)
      await redis.script('FLUSH')
      await ledger.commit(taken as Lease)
      assert.equal(await redis.get(lockKey), null)
      const before = counting.queries()
      assert.equal(await ledger.isConsumed(key), true)
      assert.equal(counting.queries() - before, 0)
      // Loads back the scripts the second flush dropped: later tests count one command a call.
      const next = freshPayment()
      await ledger.commit((await ledger.claim!(next.key, 30_000, next.record)) as Lease)
    })

    it('asks PostgreSQL when Redis lost a consumed key, then caches it again', async () => {
      const { key, record } = freshPayment()
      const lease = (await ledger.acquire(key, 30_000))!
      await ledger.mark(lease, record)
      await ledger.commit(lease)
      await redis.del(paymentRedisKeys(keyPrefix, key).consumed)
      const before = counting.queries()
      assert.equal(await ledger.isConsumed(key), true)
      assert.equal(counting.queries() - before, 1)
      assert.equal(await redis.exists(paymentRedisKeys(keyPrefix, key).consumed), 1)
      assert.ok((await redis.ttl(paymentRedisKeys(keyPrefix, key).consumed)) > 6 * 24 * 3600)
      assert.equal(await ledger.isConsumed(key), true)
      assert.equal(counting.queries() - before, 1, 'the second replay came from Redis')
    })

    it('a late landing of an older release never erases a release another lease owes (compare-and-delete)', async () => {
      const { key } = freshPayment()
      const cache = redisClaimCache(redis, { keyPrefix, consumedTtlSeconds: 60, timeoutMs: 2_000 })
      // A process read the owed release of lease 'older' and landed it; meanwhile a later lease's
      // commit was undone only in part: its release is owed too, and must stay visible.
      await cache.oweRelease(key, 'later')
      await cache.forgetConsumed(key, 'older')
      assert.deepEqual(await cache.lookup(key), { consumed: false, owedRelease: 'later' })
      await cache.forgetConsumed(key, 'later')
      assert.deepEqual(await cache.lookup(key), { consumed: false, owedRelease: undefined })
    })

    it('claims a fresh payment with one Redis command and one statement, then commits with one of each', async () => {
      // A client of its own, counting what the ledger sends (a script is one command).
      const counted = new Redis(redisUrl)
      await counted.ping()
      let sent = 0
      const send = counted.sendCommand.bind(counted)
      counted.sendCommand = ((...args: Parameters<typeof send>) => {
        sent++
        return send(...args)
      }) as typeof counted.sendCommand
      const ledger = redisPostgresLedger({ redis: counted, db: counting.db, keyPrefix })
      const redisCommands = () => sent
      const { key, record } = freshPayment()
      const before = { sql: counting.queries(), redis: redisCommands() }
      const lease = await ledger.claim!(key, 30_000, record)
      assert.ok(typeof lease === 'object')
      assert.deepEqual(
        { sql: counting.queries() - before.sql, redis: redisCommands() - before.redis },
        { sql: 1, redis: 1 },
      )
      await ledger.commit(lease)
      assert.deepEqual(
        { sql: counting.queries() - before.sql, redis: redisCommands() - before.redis },
        { sql: 2, redis: 2 },
      )
      // Replays: from Redis alone, then, with the consumed key gone, from the claim statement.
      assert.equal(await ledger.claim!(key, 30_000, record), 'consumed')
      assert.equal(counting.queries() - before.sql, 2)
      await redis.del(paymentRedisKeys(keyPrefix, key).consumed)
      assert.equal(await ledger.claim!(key, 30_000, record), 'consumed')
      assert.equal(await redis.exists(paymentRedisKeys(keyPrefix, key).consumed), 1, 'cached again')
      assert.equal(await redis.exists(paymentRedisKeys(keyPrefix, key).lock), 0, 'lock dropped')
      await ledger.close()
      counted.disconnect()
    })

    it('releases a lease that never marked (a payment the chain refused) without PostgreSQL', async () => {
      const { key } = freshPayment()
      const lease = (await ledger.acquire(key, 30_000))!
      const before = counting.queries()
      await ledger.release(lease)
      assert.equal(counting.queries() - before, 0)
      assert.equal(
        await redis.exists(paymentRedisKeys(keyPrefix, key).lock),
        0,
        'the lock is freed',
      )
    })

    it('deletes the claim of a released lease that marked, so the next request can mark', async () => {
      const { key, record } = freshPayment()
      const lease = (await ledger.acquire(key, 30_000))!
      assert.equal(await ledger.mark(lease, record), 'marked')
      const before = counting.queries()
      await ledger.release(lease)
      assert.equal(counting.queries() - before, 1)
      const next = (await ledger.acquire(key, 30_000))!
      assert.equal(await ledger.mark(next, record), 'marked')
      await ledger.release(next)
    })

    it('drops the in-flight lock at commit and keeps it only while the lease holds', async () => {
      const { key, record } = freshPayment()
      const lease = (await ledger.acquire(key, 30_000))!
      // The key as every deployed process spells it (a rolling deploy shares these keys).
      const lock = `${keyPrefix}{${JSON.stringify([key.network, key.txId, key.payTo, key.payer])}}:lock`
      assert.equal(paymentRedisKeys(keyPrefix, key).lock, lock)
      assert.equal(await redis.get(lock), lease.token)
      assert.ok((await redis.pttl(paymentRedisKeys(keyPrefix, key).lock)) > 20_000)
      await ledger.mark(lease, record)
      await ledger.commit(lease)
      assert.equal(await redis.exists(paymentRedisKeys(keyPrefix, key).lock), 0)
    })

    it('stores the payment record with its exact amount', async () => {
      const amount = 2n ** 255n + 1n
      const { key, record } = freshPayment(amount)
      const lease = (await ledger.acquire(key, 30_000))!
      await ledger.mark(lease, record)
      await ledger.commit(lease)
      const row = await counting.db
        .selectFrom(paymentsTable)
        .selectAll()
        .where('network', '=', record.network)
        .where('tx_id', '=', record.txId)
        .executeTakeFirstOrThrow()
      assert.equal(BigInt(row.amount), amount)
      assert.equal(
        row.amount,
        '57896044618658097711785492504343953926634992332820282019728792003956564819969',
      )
      assert.deepEqual(
        [row.chain, row.payer, row.pay_to, row.asset, row.resource, row.challenge_id, row.status],
        [
          record.chain,
          record.payer,
          record.payTo,
          record.asset,
          record.resource,
          'ch_1',
          'consumed',
        ],
      )
      assert.equal(row.lease_token, lease.token)
      assert.ok(row.consumed_at instanceof Date)
      assert.equal(row.remaining_credit, null)
    })

    it('fails at setup without redis or db', () => {
      assert.throws(
        () => redisPostgresLedger({ redis: '', db: testDatabaseUrl }),
        ConfigurationError,
      )
      assert.throws(() => redisPostgresLedger({ redis: redisUrl, db: '' }), ConfigurationError)
    })
  })

  describe('across processes', () => {
    const spawned: {
      child: { kill(signal: NodeJS.Signals): boolean }
      exited: Promise<unknown>
    }[] = []
    after(async () => {
      for (const { child } of spawned) child.kill('SIGKILL')
      await Promise.all(spawned.map((s) => s.exited))
    })

    it('gives one winner to 4 processes making 200 concurrent claims on one transaction', async function () {
      this.timeout(60_000)
      await raceFourProcesses({
        ledger: { redisUrl, dbUrl: testDatabaseUrl, keyPrefix },
        db: counting.db,
        spawned,
        isConsumed: (key) => ledger.isConsumed(key),
      })
    })

    it('frees the claim of a process killed with SIGKILL once its TTL has passed', async function () {
      this.timeout(30_000)
      const { key, record } = freshPayment()
      const ttlMs = 2_500
      const killed = spawnScript('killedClaim.ts', 'TX402_KILLED_CLAIM', {
        redisUrl,
        dbUrl: testDatabaseUrl,
        keyPrefix,
        key,
        ttlMs,
        record: wire(record),
      })
      spawned.push(killed)
      assert.equal(await nextLine(killed.lines), 'marked')
      killed.child.kill('SIGKILL')
      await killed.exited

      // Within the TTL the dead claim still holds: the lock, then the PostgreSQL claim.
      assert.equal(await ledger.acquire(key, 30_000), undefined)
      const early = { key, token: 'early', expiresAt: Date.now() + 30_000 }
      assert.equal(await ledger.mark(early, record), 'in_progress')
      assert.equal(await ledger.isConsumed(key), false)

      await sleep(ttlMs + 500)
      const lease = await ledger.acquire(key, 30_000)
      assert.ok(lease, 'the lock lapsed')
      assert.equal(await ledger.mark(lease, record), 'marked')
      await ledger.commit(lease)
      assert.equal(await ledger.isConsumed(key), true)
    })
  })
})
