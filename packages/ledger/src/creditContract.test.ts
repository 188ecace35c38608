import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { memoryLedger } from '@tx402/core'
import { embeddedLedger } from './embeddedLedger.js'
import { describeCreditContract } from './test/creditContract.js'

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
