import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describeWithServices } from '@tx402/testing/services'
import { Redis } from 'ioredis'
import { creditBalance, creditBalancesOfPayer } from './readCredit.js'
import { redisPostgresLedger } from './redisPostgresLedger.js'
import { buy, spendOf } from './test/creditContract.js'
import { countingDb, prepareTestDatabase } from './test/postgres.js'

describeWithServices('readCredit (operator reads)', ['postgres', 'redis'], () => {
  const keyPrefix = `tx402readcredit:${randomBytes(6).toString('hex')}:`
  const counting = countingDb()
  let redis: Redis
  let ledger: ReturnType<typeof redisPostgresLedger>

  before(async function () {
    this.timeout(30_000)
    await prepareTestDatabase()
    redis = new Redis('redis://127.0.0.1:6379')
    ledger = redisPostgresLedger({ redis, db: counting.db, keyPrefix })
  })
  after(async () => {
    await ledger?.close()
    redis?.disconnect()
    await counting.db.destroy()
  })

  it('reads a balance by id with exact base units, what is reserved, expiry and the opening payment', async () => {
    const payer = `0x${randomBytes(20).toString('hex')}`
    const big = 2n ** 200n + 7n
    const expiresAt = Date.now() + 3_600_000
    const { lease, grant } = await buy(ledger, big, { payer, expiresAt }, true, { payer })
    const held = await ledger.credit.reserve(spendOf(grant, 5n))
    assert.equal(held.status, 'reserved')
    const row = await creditBalance(counting.db, grant.balanceId)
    assert.ok(row)
    assert.equal(row.remaining, big - 5n)
    assert.equal(row.reserved, 5n)
    assert.equal(row.expiresAt?.getTime(), expiresAt)
    assert.equal(row.expired, false)
    assert.deepEqual(row.openedBy, lease.key)
    assert.equal(row.payer, payer)
    assert.equal(await creditBalance(counting.db, 'ff'.repeat(16)), undefined)
  })

  it("lists a payer's balances newest first, matching an EVM address in any case", async () => {
    const payer = `0x${randomBytes(20).toString('hex')}`
    const first = await buy(ledger, 10n, { payer }, true, { payer })
    const second = await buy(ledger, 20n, { payer }, true, { payer })
    await buy(ledger, 30n) // another payer's
    const rows = await creditBalancesOfPayer(counting.db, payer.toUpperCase().replace('0X', '0x'))
    assert.deepEqual(
      rows.map((r) => [r.id, r.remaining, r.expiresAt]),
      [
        [second.grant.balanceId, 20n, null],
        [first.grant.balanceId, 10n, null],
      ],
    )
    assert.equal((await creditBalancesOfPayer(counting.db, payer, { limit: 1 })).length, 1)
  })
})
