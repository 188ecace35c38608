import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { LedgerUnavailableError } from '@tx402/core'
import { embeddedLedger } from './embeddedLedger.js'
import { describeLedgerContract, freshPayment } from './test/ledgerContract.js'
import { nextLine, spawnScript } from './test/spawnScript.js'

describe('embeddedLedger', () => {
  let dir: string
  let ledger: ReturnType<typeof embeddedLedger>

  before(async function () {
    this.timeout(60_000)
    dir = await mkdtemp(join(tmpdir(), 'tx402-embedded-'))
    // A nested path that does not exist yet, as a first run would have.
    ledger = embeddedLedger({ dataDir: join(dir, 'data') })
    await ledger.ready()
  })

  after(async () => {
    await ledger?.close()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  describeLedgerContract('embeddedLedger', () => ledger)

  // Its own suite, so mocha runs it after the contract (a suite's own tests run first).
  describe('durability and faults', () => {
    it('keeps a consumed transaction, and only that one, across a restart', async function () {
      this.timeout(60_000)
      const paid = freshPayment(2n ** 200n)
      const held = freshPayment()
      const lease = (await ledger.acquire(paid.key, 30_000))!
      assert.equal(await ledger.mark(lease, paid.record), 'marked')
      await ledger.commit(lease)
      const claim = (await ledger.acquire(held.key, 30_000))!
      assert.equal(await ledger.mark(claim, held.record), 'marked')

      await ledger.close()
      await assert.rejects(ledger.isConsumed(held.key), LedgerUnavailableError)
      ledger = embeddedLedger({ dataDir: join(dir, 'data') })

      // A new process: its in-process cache is empty, so this is the database speaking.
      const replay = await ledger.acquire(paid.key, 30_000)
      assert.ok(replay)
      assert.equal(await ledger.mark(replay, paid.record), 'consumed')
      await ledger.release(replay)
      assert.equal(await ledger.isConsumed(paid.key), true)
      // A claim from before the restart is still held until its TTL, never consumed.
      assert.equal(await ledger.isConsumed(held.key), false)
      const rival = (await ledger.acquire(held.key, 30_000))!
      assert.equal(await ledger.mark(rival, held.record), 'in_progress')
    })

    it('keeps a payment committed by a process killed with SIGKILL', async function () {
      this.timeout(60_000)
      const { key, record } = freshPayment()
      await ledger.close()
      const child = spawnScript('embeddedCommit.ts', 'TX402_EMBEDDED_COMMIT', {
        dataDir: join(dir, 'data'),
        key,
        record: { ...record, amount: record.amount.toString() },
      })
      try {
        assert.equal(await nextLine(child.lines), 'committed')
      } finally {
        child.child.kill('SIGKILL')
        await child.exited
      }
      ledger = embeddedLedger({ dataDir: join(dir, 'data') })
      assert.equal(await ledger.isConsumed(key), true)
    })

    it('refuses a data directory another ledger has open, until it is closed', async function () {
      this.timeout(30_000)
      const { key } = freshPayment()
      assert.equal(await ledger.isConsumed(key), false) // opened
      const second = embeddedLedger({ dataDir: join(dir, 'data') })
      await assert.rejects(second.isConsumed(key), (error: unknown) => {
        assert.ok(error instanceof LedgerUnavailableError)
        assert.match(error.message, /in use by process/)
        return true
      })
      await ledger.close()
      assert.equal(await second.isConsumed(key), false)
      ledger = second
    })

    it('raises LedgerUnavailableError when its data directory cannot be opened', async function () {
      this.timeout(30_000)
      const broken = embeddedLedger({ dataDir: join('/proc', 'tx402-cannot-exist') })
      await assert.rejects(broken.isConsumed(freshPayment().key), LedgerUnavailableError)
      await broken.close()
    })
  })
})
