import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { type Ledger, LedgerUnavailableError, type Logger } from '@tx402/core'
import { freePort, type ProxyMode, startRedisServer, tcpProxy } from '@tx402/testing/faults'
import { describeWithServices } from '@tx402/testing/services'
import { Redis } from 'ioredis'
import { paymentRedisKeys } from './redisClaimCache.js'
import { redisPostgresLedger } from './redisPostgresLedger.js'
import { claimOnce, freshPayment } from './test/ledgerContract.js'
import {
  postgresServer,
  prepareTestDatabase,
  testDatabase,
  testDatabaseUrl,
} from './test/postgres.js'

function recordingLogger(): Logger & { warnings: string[]; infos: string[] } {
  const warnings: string[] = []
  const infos: string[] = []
  return {
    warnings,
    infos,
    info: (_, message) => void infos.push(message ?? ''),
    warn: (_, message) => void warnings.push(message ?? ''),
    error: () => {},
  }
}

describeWithServices(
  'redisPostgresLedger under faults',
  ['postgres', 'redis', 'redis-server'],
  () => {
    const keyPrefix = `tx402fault:${randomBytes(6).toString('hex')}:`
    const cleanup: (() => Promise<unknown> | unknown)[] = []

    before(async function () {
      this.timeout(30_000)
      await prepareTestDatabase()
    })

    after(async () => {
      for (const step of cleanup.reverse()) await step()
    })

    const open = (options: Parameters<typeof redisPostgresLedger>[0]): Ledger => {
      const ledger = redisPostgresLedger(options)
      cleanup.push(() => ledger.close?.())
      return ledger
    }

    it('never grants a transaction twice when Redis is flushed in the middle of a run', async function () {
      this.timeout(30_000)
      const server = await startRedisServer()
      cleanup.push(() => server.stop())
      const admin = new Redis(server.url)
      cleanup.push(() => admin.disconnect())
      // Two ledgers: two app processes sharing the Redis and the database.
      const logger = recordingLogger()
      const a = open({ redis: server.url, db: testDatabaseUrl, keyPrefix, logger })
      const b = open({ redis: server.url, db: testDatabaseUrl, keyPrefix, logger })

      // A committed payment and a held claim, then everything Redis knew is gone.
      const paid = freshPayment()
      assert.equal(await claimOnce(a, paid.key, paid.record), 'won')
      const held = freshPayment()
      const holder = (await a.acquire(held.key, 30_000))!
      assert.equal(await a.mark(holder, held.record), 'marked')
      assert.equal(await admin.flushall(), 'OK')

      // A request that raced the replay check: the lock and the consumed mark went with the flush.
      const replay = await b.acquire(paid.key, 30_000)
      assert.ok(replay, 'the lock went with the flush')
      assert.equal(await b.mark(replay, paid.record), 'consumed')
      await b.release(replay)
      assert.equal(await b.isConsumed(paid.key), true, 'PostgreSQL still knows it')
      const rival = await b.acquire(held.key, 30_000)
      assert.ok(rival, 'the lock went with the flush')
      assert.equal(await b.mark(rival, held.record), 'in_progress', 'the claim did not')
      await b.release(rival)
      await a.commit(holder)
      assert.equal(await b.isConsumed(held.key), true)

      // Races on 20 transactions, with FLUSHALL landing while they run.
      const payments = Array.from({ length: 20 }, () => freshPayment())
      const flushes = (async () => {
        for (let i = 0; i < 8; i++) {
          await admin.flushall()
          await sleep(5)
        }
      })()
      const results = await Promise.all(
        payments.map((p) =>
          Promise.all(
            Array.from({ length: 10 }, (_, i) => claimOnce(i % 2 ? a : b, p.key, p.record)),
          ),
        ),
      )
      await flushes
      for (const [i, outcomes] of results.entries()) {
        assert.equal(outcomes.filter((o) => o === 'won').length, 1, `payment ${i}: ${outcomes}`)
        assert.equal(await a.isConsumed(payments[i]!.key), true)
      }
      assert.deepEqual(logger.warnings, [], 'a flush is not an outage')
    })

    it('runs exactly on PostgreSQL alone while Redis is down, warns once, and uses Redis again once back', async function () {
      this.timeout(30_000)
      const port = await freePort()
      let server = await startRedisServer(port)
      cleanup.push(() => server.stop())
      const logger = recordingLogger()
      const ledger = open({ redis: server.url, db: testDatabaseUrl, keyPrefix, logger })
      const before = freshPayment()
      assert.equal(await claimOnce(ledger, before.key, before.record), 'won')

      await server.stop()
      assert.equal(await ledger.isConsumed(before.key), true)
      assert.equal(await claimOnce(ledger, before.key, before.record), 'consumed')
      const during = freshPayment()
      const outcomes = await Promise.all(
        Array.from({ length: 20 }, () => claimOnce(ledger, during.key, during.record)),
      )
      assert.equal(outcomes.filter((o) => o === 'won').length, 1, outcomes.join(','))
      assert.equal(await ledger.isConsumed(during.key), true)
      assert.equal(logger.warnings.length, 1, logger.warnings.join('\n'))
      assert.match(logger.warnings[0]!, /Redis failed/)

      server = await startRedisServer(port)
      const admin = new Redis(server.url)
      cleanup.push(() => admin.disconnect())
      // ioredis reconnects on its own; wait for the ledger to reach Redis again.
      const after = freshPayment()
      for (let i = 0; i < 100 && logger.infos.length === 0; i++) {
        await ledger.isConsumed(after.key)
        await sleep(100)
      }
      assert.equal(logger.infos.length, 1, 'the ledger noticed Redis is back')
      assert.equal(await claimOnce(ledger, after.key, after.record), 'won')
      assert.equal(await admin.exists(paymentRedisKeys(keyPrefix, after.key).consumed), 1)
      assert.equal(logger.warnings.length, 1)
    })

    it('works on PostgreSQL alone when Redis was never reachable', async function () {
      this.timeout(30_000)
      const logger = recordingLogger()
      const ledger = open({
        redis: `redis://127.0.0.1:${await freePort()}`,
        db: testDatabaseUrl,
        keyPrefix,
        logger,
      })
      const payment = freshPayment()
      assert.equal(await claimOnce(ledger, payment.key, payment.record), 'won')
      assert.equal(await claimOnce(ledger, payment.key, payment.record), 'consumed')
      assert.equal(logger.warnings.length, 1)
    })

    describe('PostgreSQL cut off behind a proxy', () => {
      let setMode: (mode: ProxyMode) => void
      let ledger: Ledger
      let behindProxy: () => Ledger

      before(async () => {
        const proxy = await tcpProxy(postgresServer)
        cleanup.push(() => proxy.close())
        setMode = proxy.setMode
        behindProxy = () =>
          open({
            redis: 'redis://127.0.0.1:6379',
            db: `postgres://postgres@127.0.0.1:${proxy.port}/${testDatabase}`,
            keyPrefix,
            logger: recordingLogger(),
          })
        ledger = behindProxy()
        const redis = new Redis('redis://127.0.0.1:6379')
        cleanup.push(async () => {
          const keys = await redis.keys(`${keyPrefix}*`)
          if (keys.length) await redis.del(...keys)
          redis.disconnect()
        })
      })

      afterEach(() => setMode('open'))

      /**
       * A committed payment whose commit the engine could not confirm (its reply was lost): it
       * answered 503 and releases it, while the database is unreachable (left so).
       */
      const releaseRefusedAfterCommit = async (owner = ledger) => {
        const payment = freshPayment()
        const lease = (await owner.acquire(payment.key, 30_000))!
        assert.equal(await owner.mark(lease, payment.record), 'marked')
        await owner.commit(lease)
        setMode('refuse')
        await assert.rejects(owner.release(lease), LedgerUnavailableError)
        return payment
      }

      it('raises LedgerUnavailableError, consumes nothing, and the transaction is usable once it is back', async function () {
        this.timeout(30_000)
        const paid = freshPayment()
        assert.equal(await claimOnce(ledger, paid.key, paid.record), 'won')
        const unmarked = freshPayment()
        // Marked just before the outage; its commit fails during it.
        const committing = freshPayment()
        const committingLease = (await ledger.acquire(committing.key, 1_000))!
        assert.equal(await ledger.mark(committingLease, committing.record), 'marked')

        setMode('refuse')
        assert.equal(
          await ledger.isConsumed(paid.key),
          true,
          'a replay is still refused, from Redis',
        )
        await assert.rejects(ledger.isConsumed(unmarked.key), LedgerUnavailableError)
        const lease = (await ledger.acquire(unmarked.key, 30_000))!
        await assert.rejects(ledger.mark(lease, unmarked.record), LedgerUnavailableError)
        await assert.rejects(ledger.release(lease), LedgerUnavailableError)
        await assert.rejects(ledger.commit(committingLease), LedgerUnavailableError)
        await assert.rejects(ledger.release(committingLease), LedgerUnavailableError)

        setMode('open')
        assert.equal(await ledger.isConsumed(unmarked.key), false)
        assert.equal(await claimOnce(ledger, unmarked.key, unmarked.record), 'won')
        assert.equal(
          await ledger.isConsumed(committing.key),
          false,
          'the failed commit consumed nothing',
        )
        await sleep(1_200) // the claim left by the failed commit lapses with its lease
        assert.equal(await claimOnce(ledger, committing.key, committing.record), 'won')
      })

      it('leaves a release it could not make to whichever process looks next, even if it died', async function () {
        this.timeout(30_000)
        const dying = behindProxy()
        const payment = await releaseRefusedAfterCommit(dying)
        // ...and then this process dies: nothing of it retries the release any more.
        await dying.close?.()
        setMode('open')
        const other = open({
          redis: 'redis://127.0.0.1:6379',
          db: testDatabaseUrl,
          keyPrefix,
          logger: recordingLogger(),
        })
        assert.equal(await other.isConsumed(payment.key), false, 'never served, so not consumed')
        assert.equal(await claimOnce(other, payment.key, payment.record), 'won')
        assert.equal(await ledger.isConsumed(payment.key), true)
      })

      it('owns a release it could not make: answers nothing for that payment until it lands, and lands it in the background', async function () {
        this.timeout(30_000)
        const payment = await releaseRefusedAfterCommit()
        await assert.rejects(
          ledger.isConsumed(payment.key),
          LedgerUnavailableError,
          'never "consumed" while the release is owed',
        )
        setMode('open')
        await sleep(1_200) // the ledger retries every 500 ms
        // A process on another Redis prefix cannot see the owed key: only the database answers it.
        const elsewhere = open({
          redis: 'redis://127.0.0.1:6379',
          db: testDatabaseUrl,
          keyPrefix: `${keyPrefix}elsewhere:`,
          logger: recordingLogger(),
        })
        assert.equal(await elsewhere.isConsumed(payment.key), false, 'released with no request')
        assert.equal(await claimOnce(ledger, payment.key, payment.record), 'won')
      })

      it('fails fast when PostgreSQL takes connections but never answers', async function () {
        this.timeout(30_000)
        setMode('blackhole')
        const payment = freshPayment()
        await assert.rejects(ledger.isConsumed(payment.key), LedgerUnavailableError)
        const lease = (await ledger.acquire(payment.key, 30_000))!
        await assert.rejects(ledger.mark(lease, payment.record), LedgerUnavailableError)
        setMode('open')
        await ledger.release(lease)
        assert.equal(await claimOnce(ledger, payment.key, payment.record), 'won')
      })
    })
  },
)
