import { randomBytes } from 'node:crypto'
import type { Ledger } from '@tx402/core'
import { Redis } from 'ioredis'
import { CamelCasePlugin, Kysely, PostgresDialect } from 'kysely'
import pg from 'pg'
import { migrate } from './migrate.js'
import { redisPostgresLedger } from './redisPostgresLedger.js'
import { describeLedgerContract } from './test/ledgerContract.js'
import { prepareTestDatabase, testDatabaseUrl } from './test/postgres.js'

// An app's own Kysely often carries plugins (CamelCasePlugin rewrites every row's keys): the
// ledger reads its own snake_case rows, so it must work on that instance unchanged.
describe('redisPostgresLedger on an app Kysely with CamelCasePlugin', () => {
  const keyPrefix = `tx402test:${randomBytes(6).toString('hex')}:`
  const pool = new pg.Pool({ connectionString: testDatabaseUrl, max: 4 })
  // biome-ignore lint/suspicious/noExplicitAny: an app's database type
  const db = new Kysely<any>({
    dialect: new PostgresDialect({ pool }),
    plugins: [new CamelCasePlugin()],
  })
  let redis: Redis
  let ledger: Ledger

  before(async function () {
    this.timeout(30_000)
    await prepareTestDatabase()
    await migrate(db)
    redis = new Redis('redis://127.0.0.1:6379')
    ledger = redisPostgresLedger({ redis, db, keyPrefix })
  })

  after(async () => {
    await ledger?.close?.()
    if (redis) {
      const keys = await redis.keys(`${keyPrefix}*`)
      if (keys.length) await redis.del(...keys)
      redis.disconnect()
    }
    await db.destroy()
  })

  describeLedgerContract('redisPostgresLedger (CamelCasePlugin)', () => ledger)
})
