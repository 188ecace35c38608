import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import {
  ConfigurationError,
  type Ledger,
  LedgerUnavailableError,
  type Logger,
  paymentKey,
} from '@tx402/core'
import { pgbouncerPort } from '@tx402/testing/faults'
import { describeWithServices } from '@tx402/testing/services'
import { Cluster, type Command, type Redis } from 'ioredis'
import { Kysely, PostgresDialect } from 'kysely'
import pg from 'pg'
import { migrate } from './migrate.js'
import { paymentRedisKeys, redisClaimCache } from './redisClaimCache.js'
import { redisPostgresLedger } from './redisPostgresLedger.js'
import type { LedgerDatabase } from './schema.js'
import { claimOnce, describeLedgerContract, freshPayment } from './test/ledgerContract.js'
import { countingDb, postgresServer, prepareTestDatabase } from './test/postgres.js'
import { raceFourProcesses } from './test/processRace.js'
import {
  clusterNode,
  clusterUrl,
  pooledDatabaseUrl,
  requireScaleOutServices,
} from './test/scaleOut.js'
import { slotMigration } from './test/slotMigration.js'

/** A logger that keeps the ledger's warnings: on a healthy cluster there must be none. */
function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = []
  const keep = (_fields: object, message?: string) => {
    warnings.push(message ?? '')
  }
  return { warnings, info: () => {}, warn: keep, error: keep }
}

describeWithServices(
  'redisPostgresLedger on a Redis Cluster and behind PgBouncer (transaction pooling)',
  ['postgres', 'redis-cluster', 'pgbouncer'],
  () => {
    const keyPrefix = `tx402test:${randomBytes(6).toString('hex')}:`
    const logger = recordingLogger()
    // Straight to PostgreSQL: what the checks read.
    const direct = countingDb()
    let admin: Redis
    let ledger: Ledger & { close(): Promise<void> }

    before(async function () {
      this.timeout(30_000)
      await prepareTestDatabase()
      await requireScaleOutServices()
      admin = clusterNode(7001)
      ledger = redisPostgresLedger({
        redis: clusterUrl,
        db: pooledDatabaseUrl,
        dbPooling: 'transaction',
        keyPrefix,
        logger,
      })
    })

    after(async () => {
      await ledger?.close()
      admin?.disconnect()
      await direct.db.destroy()
    })

    describe('the contract', () => {
      describeLedgerContract('redisPostgresLedger on Redis Cluster + PgBouncer', () => ledger)
    })

    describe('after the contract suite', () => {
      it('never fell back from the cluster: every command and script ran (no CROSSSLOT, no fault)', () => {
        // The ledger survives any Redis error by asking PostgreSQL, so an error would not fail the
        // contract; it would leave this warning. (Later tests move slots, and may leave some.)
        assert.deepEqual(logger.warnings, [])
      })
    })

    describe('naming the cluster', () => {
      for (const [what, redis] of [
        ['an array of redis:// seed URLs', ['redis://127.0.0.1:7002']],
        ['a redis+cluster:// URL with one seed and a path', 'redis+cluster://127.0.0.1:7003/'],
        [
          'an ioredis Cluster',
          new Cluster([{ host: '127.0.0.1', port: 7001 }], { lazyConnect: true }),
        ],
      ] as const) {
        it(`takes ${what}`, async () => {
          const other = redisPostgresLedger({
            redis,
            db: pooledDatabaseUrl,
            dbPooling: 'transaction',
            keyPrefix,
            logger,
          })
          try {
            const { key, record } = freshPayment()
            assert.equal(await claimOnce(other, key, record), 'won')
            assert.equal(await ledger.isConsumed(key), true)
          } finally {
            await other.close()
            if (redis instanceof Cluster) redis.disconnect()
          }
        })
      }

      it('refuses a cluster URL without seeds, a seed without a port, or another scheme', () => {
        for (const redis of [
          'redis+cluster://',
          'redis+cluster://127.0.0.1',
          ['http://127.0.0.1:7001'],
          [],
        ]) {
          assert.throws(
            () => redisPostgresLedger({ redis, db: pooledDatabaseUrl, keyPrefix }),
            ConfigurationError,
            JSON.stringify(redis),
          )
        }
      })
    })

    describe('hash slots', () => {
      const keySlot = async (key: string) => Number(await admin.call('cluster', 'keyslot', key))

      it('puts the keys of one payment in one slot, whatever the ledger key looks like', async () => {
        const ledgerKeys = [
          freshPayment().key,
          paymentKey({
            network: 'solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp',
            txId: '5'.repeat(88),
            payTo: 'C'.repeat(44),
            payer: 'D'.repeat(44),
          }),
          // Braces inside the key move the tag, but never out of what the three keys share.
          { ...freshPayment().key, txId: '0x}{weird}' },
        ]
        const slots = new Set<number>()
        for (const ledgerKey of ledgerKeys) {
          const keys = Object.values(paymentRedisKeys(keyPrefix, ledgerKey))
          const own = new Set(await Promise.all(keys.map(keySlot)))
          assert.equal(own.size, 1, keys.join(', '))
          slots.add([...own][0]!)
        }
        assert.ok(slots.size > 1, 'payments spread over several slots')
      })

      it('sends every command and script with the keys of one slot (each asked of the cluster)', async () => {
        const cluster = new Cluster([{ host: '127.0.0.1', port: 7001 }])
        const sent: { name: string; keys: string[] }[] = []
        const send = cluster.sendCommand.bind(cluster)
        cluster.sendCommand = (command: Command, ...rest: unknown[]) => {
          sent.push({ name: command.name, keys: command.getKeys().map(String) })
          return (send as (...args: unknown[]) => unknown)(command, ...rest)
        }
        try {
          // Each method of the cache, straight: a Redis error here throws instead of falling back.
          const cache = redisClaimCache(cluster, {
            keyPrefix,
            consumedTtlSeconds: 60,
            timeoutMs: 2_000,
          })
          const key = freshPayment().key
          assert.deepEqual(await cache.lookup(key), { consumed: false, owedRelease: undefined })
          assert.equal(await cache.lock(key, 'a', 30_000), true)
          assert.equal(await cache.lock(key, 'b', 30_000), false)
          assert.equal(await cache.renew(key, 'a', 30_000), true)
          assert.equal(await cache.renew(key, 'b', 30_000), false, "another token's lock")
          await cache.unlock(key, 'a')
          assert.equal(await cache.lock(key, 'c', 30_000), true)
          await cache.setConsumed(key, 'c')
          assert.equal(await cache.lock(key, 'd', 30_000), false, 'consumed: no lock')
          await cache.oweRelease(key, 'c')
          assert.deepEqual(await cache.lookup(key), { consumed: true, owedRelease: 'c' })
          await cache.forgetConsumed(key, 'c')
          assert.deepEqual(await cache.lookup(key), { consumed: false, owedRelease: undefined })

          const keyed = sent.filter((command) => command.keys.length > 0)
          // Scripts go by SHA1; `eval` too where a node had not loaded one yet.
          const names = new Set(
            keyed.map((command) => (command.name === 'eval' ? 'evalsha' : command.name)),
          )
          assert.deepEqual([...names].sort(), ['evalsha', 'mget', 'set'])
          for (const command of keyed) {
            const slots = new Set(await Promise.all(command.keys.map(keySlot)))
            assert.equal(slots.size, 1, `${command.name} ${command.keys.join(' ')}`)
          }
          assert.ok(
            keyed.some((command) => command.keys.length >= 2),
            'multi-key commands seen',
          )
        } finally {
          cluster.disconnect()
        }
      })

      it('runs on a cluster that refuses keys of two slots in one command', async () => {
        const cluster = new Cluster([{ host: '127.0.0.1', port: 7002 }])
        try {
          await assert.rejects(
            cluster.eval(
              "return redis.call('mget', KEYS[1], KEYS[2])",
              2,
              'tx402:{a}:x',
              'tx402:{b}:x',
            ),
            /CROSSSLOT|same slot/,
          )
        } finally {
          cluster.disconnect()
        }
      })

      it('refuses a key prefix with a brace, which would split a payment over slots', async () => {
        // `app{}:` makes the tag empty: Redis then hashes whole keys.
        const split = Object.values(paymentRedisKeys('app{}:', freshPayment().key))
        assert.ok(new Set(await Promise.all(split.map(keySlot))).size > 1)
        for (const prefix of ['app{}:', 'app{', 'app}:']) {
          assert.throws(
            () =>
              redisPostgresLedger({ redis: clusterUrl, db: pooledDatabaseUrl, keyPrefix: prefix }),
            ConfigurationError,
          )
        }
      })
    })

    describe('MOVED and ASK while a slot moves between masters', () => {
      it('serves one payment exactly once while its slot migrates (ASK), and refuses it after (MOVED)', async function () {
        this.timeout(30_000)
        const { key, record } = freshPayment()
        const slot = Number(
          await admin.call('cluster', 'keyslot', paymentRedisKeys(keyPrefix, key).lock),
        )
        const migration = await slotMigration(admin, slot)
        try {
          await migration.begin()
          // Keys the source lacks are asked of the target (ASK); a script whose keys are split
          // gets TRYAGAIN until the move ends, and the ledger may go on with PostgreSQL alone.
          const during = await Promise.all(
            Array.from({ length: 50 }, () => claimOnce(ledger, key, record)),
          )
          assert.equal(during.filter((r) => r === 'won').length, 1, during.join(','))
          await migration.finish()
          // The ledger's client still maps the slot to the source: MOVED, then its new map.
          const warnings = logger.warnings.length
          const after = await Promise.all(
            Array.from({ length: 50 }, () => claimOnce(ledger, key, record)),
          )
          assert.deepEqual(new Set(after), new Set(['consumed']))
          assert.deepEqual(logger.warnings.slice(warnings), [], 'MOVED followed, no fallback')
          const target = clusterNode(migration.to)
          try {
            assert.equal(await target.exists(paymentRedisKeys(keyPrefix, key).consumed), 1)
          } finally {
            target.disconnect()
          }
        } finally {
          migration.close()
        }
      })

      it('keeps exactly one winner when the lock was taken on the old master and the slot moved', async function () {
        this.timeout(30_000)
        const { key, record } = freshPayment()
        const slot = Number(
          await admin.call('cluster', 'keyslot', paymentRedisKeys(keyPrefix, key).lock),
        )
        const migration = await slotMigration(admin, slot)
        try {
          const winner = (await ledger.acquire(key, 30_000))!
          assert.equal(await ledger.mark(winner, record), 'marked')
          await migration.begin()
          // The lock is on the source, the consumed key is not: scripts touching both get TRYAGAIN
          // until the keys move; the ledger may go on without Redis, and PostgreSQL decides.
          const rivals = await Promise.all(
            Array.from({ length: 20 }, () => claimOnce(ledger, key, record)),
          )
          await migration.finish()
          await ledger.commit(winner)
          assert.equal(rivals.filter((r) => r === 'won').length, 0, rivals.join(','))
          assert.equal(await claimOnce(ledger, key, record), 'consumed')
        } finally {
          migration.close()
        }
      })
    })

    describe('PgBouncer in transaction pooling mode', () => {
      it("is refused the session's statement timeout by default, with the pooler's reason", async () => {
        const session = redisPostgresLedger({
          redis: clusterUrl,
          db: pooledDatabaseUrl,
          keyPrefix,
          logger: recordingLogger(),
        })
        try {
          await assert.rejects(session.isConsumed(freshPayment().key), (error: unknown) => {
            assert.ok(error instanceof LedgerUnavailableError)
            assert.match(String(error.details), /unsupported startup parameter: statement_timeout/)
            return true
          })
        } finally {
          await session.close()
        }
      })

      it('migrates a new database through the pooler, once from several processes, leaving no lock behind', async function () {
        this.timeout(30_000)
        const database = `tx402_pooled_${randomBytes(4).toString('hex')}`
        const server = new pg.Client({ ...postgresServer, database: 'postgres' })
        await server.connect()
        try {
          await server.query(`create database ${database}`)
          const url = `postgres://postgres@127.0.0.1:${pgbouncerPort}/${database}`
          const ran = (await Promise.all([migrate(url), migrate(url), migrate(url)])).flat()
          assert.equal(ran[0], '0001_create_payments')
          assert.equal(new Set(ran).size, ran.length, `each migration ran once: ${ran.join(', ')}`)
          assert.deepEqual(await migrate(url), [])
          // A session-level advisory lock taken through the pooler would stay on a server
          // connection that other clients are handed next.
          const locks = await server.query(
            `select count(*)::int as n from pg_locks l join pg_database d on d.oid = l.database
            where l.locktype = 'advisory' and d.datname = $1`,
            [database],
          )
          assert.equal(locks.rows[0].n, 0)
          const pooled = new Kysely<LedgerDatabase>({
            dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 2 }) }),
          })
          try {
            const row = await pooled
              .selectFrom('tx402_payments')
              .select((eb) => eb.fn.countAll<number>().as('n'))
              .executeTakeFirstOrThrow()
            assert.equal(Number(row.n), 0)
          } finally {
            await pooled.destroy()
          }
        } finally {
          await server.query(`drop database if exists ${database} with (force)`).catch(() => {})
          await server.end()
        }
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

      it('gives one winner to 4 processes making 200 concurrent claims, on the cluster and the pooler', async function () {
        this.timeout(60_000)
        await raceFourProcesses({
          ledger: {
            redisUrl: clusterUrl,
            dbUrl: pooledDatabaseUrl,
            dbPooling: 'transaction',
            keyPrefix,
          },
          db: direct.db,
          spawned,
          isConsumed: (key) => ledger.isConsumed(key),
        })
      })
    })
  },
)
