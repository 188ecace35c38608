import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { memoryLedger } from '@tx402/core'
import { embeddedLedger } from './embeddedLedger.js'
import { reconcileEvery } from './periodicReconcile.js'
import { buy, describeCreditContract, spendOf } from './test/creditContract.js'

// The reference semantics first (core's memory ledger, used by the engine's unit tests), then
// the embedded ledger on PGlite; redisPostgresLedger runs it in creditRedisPostgres.test.ts.
describeCreditContract('memoryLedger (reference)', () => memoryLedger())

describe('embeddedLedger credit', () => {
  let dir: string
  let ledger: ReturnType<typeof embeddedLedger>
  before(async function () {
    this.timeout(240_000)
    dir = await mkdtemp(join(tmpdir(), 'tx402-credit-'))
    ledger = embeddedLedger({ dataDir: join(dir, 'data') })
    await ledger.ready()
  })
  after(async () => {
    await ledger?.close()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  describeCreditContract('embeddedLedger', () => ledger)
})

describe('reconcileEvery with credit', () => {
  it('logs the credit reservations it gave back', async () => {
    const ledger = memoryLedger()
    const { grant } = await buy(ledger, 5n)
    const held = await ledger.credit.reserve(spendOf(grant, 2n, 20))
    assert.ok(held.status === 'reserved')
    const warned: unknown[] = []
    const stop = reconcileEvery(ledger, 30, {
      info: () => {},
      warn: (fields) => void warned.push(fields),
      error: () => {},
    })
    await sleep(150)
    stop()
    assert.deepEqual(warned, [{ creditReturned: [held.spend.token] }])
    assert.equal((await ledger.credit.find(grant.balanceId))?.remaining, 5n)
  })
})
