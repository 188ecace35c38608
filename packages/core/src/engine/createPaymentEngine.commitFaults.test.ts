import assert from 'node:assert/strict'
import { LedgerUnavailableError } from '../errors.js'
import type { Ledger } from '../ledger.js'
import { memoryLedger } from '../memoryLedger.js'
import { confirmed, countingChain, hash, request, silent, status } from '../test/engineSupport.js'
import { createPaymentEngine } from './createPaymentEngine.js'

const secret = 'commit-faults-secret-at-least-32-bytes!'

/** A memory ledger whose commits land but whose replies are lost, and whose releases can fail. */
function flakyLedger() {
  const inner = memoryLedger()
  const faults = { lostCommitReplies: 0, releaseDown: false }
  const ledger: Ledger = {
    ...inner,
    async commit(lease) {
      await inner.commit(lease)
      if (faults.lostCommitReplies > 0) {
        faults.lostCommitReplies--
        throw new LedgerUnavailableError('connection lost after the commit was sent')
      }
    },
    async release(lease) {
      if (faults.releaseDown) throw new LedgerUnavailableError('database down')
      await inner.release(lease)
    },
  }
  return { ledger, faults, inner }
}

describe('engine when a commit cannot be confirmed', function () {
  this.timeout(20_000)

  const setup = () => {
    const flaky = flakyLedger()
    const chain = countingChain(confirmed)
    const engine = createPaymentEngine({
      price: '0.01',
      chains: [chain.plugin],
      ledger: flaky.ledger,
      secret,
      logger: silent,
    })
    const serve = async (tx: string) => {
      const outcome = await engine.handle(request(tx))
      if (outcome.type !== 'paid') return status(outcome)
      const failure = await outcome.finish(true)
      return failure ? failure.status : 200
    }
    return { ...flaky, engine, serve, chain }
  }

  it('serves when a retried commit succeeds after a lost reply, and counts the payment once', async () => {
    const { faults, serve, inner } = setup()
    faults.lostCommitReplies = 1
    assert.equal(await serve(hash(1)), 200)
    assert.equal(inner.records().length, 1)
    assert.equal(await serve(hash(1)), 402)
  })

  it('answers 503 when no commit is confirmed, and the payment can be presented again', async () => {
    const { faults, serve } = setup()
    faults.lostCommitReplies = 10
    assert.equal(await serve(hash(2)), 503)
    faults.lostCommitReplies = 0
    assert.equal(await serve(hash(2)), 200, 'not served, so not consumed')
  })

  it('answers 503 and never throws when the release after it fails too (the ledger owes it)', async () => {
    const { faults, serve, inner } = setup()
    faults.lostCommitReplies = 10
    faults.releaseDown = true
    assert.equal(await serve(hash(3)), 503)
    // The memory ledger here cannot owe a release: the commit that landed stays. A real ledger
    // lands it itself (redisPostgresLedger.faults.test.ts); the engine does not track it twice.
    assert.equal(inner.records().length, 1)
  })
})
