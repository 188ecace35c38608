import assert from 'node:assert/strict'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { memoryLedger } from '../../../memoryLedger.js'
import type { VerifyResult } from '../../../plugin.js'
import { hash, silent } from '../../../test/engineSupport.js'
import { scriptedChain } from '../../../testing/scriptedChain.js'
import { createPaymentEngine } from '../../createPaymentEngine.js'
import type { Outcome } from '../../outcome.js'
import type { Attempt } from '../../types.js'
import { sharedLookups } from './sharedLookups.js'

// A burst of identical requests for one payment asks the chain once per process (in flight, or
// confirmed a moment ago); each is still judged and claimed on its own, so exactly one is paid.

const errorOf = (outcome: Outcome) =>
  outcome.type === 'error' || outcome.type === 'payment_required'
    ? (outcome.body as { error: string }).error
    : outcome.type

function route() {
  const chain = scriptedChain()
  const engine = createPaymentEngine({
    price: '0.01',
    asset: 'USDC',
    secret: 'shared-lookups-secret-at-least-32-bytes',
    logger: silent,
    chains: [chain.plugin],
    ledger: memoryLedger(),
    binding: 'none',
    // Not found is asked again at once (no negative cache), to see what sharedLookups keeps.
    limits: { notFoundCacheMs: 0 },
  })
  const pay = (tx: string) =>
    engine.handle({
      method: 'GET',
      path: '/api/weather',
      headers: { 'x-payment-tx': [tx], 'x-payment-chain': ['testnet'] },
    })
  return { chain, pay }
}

describe('sharedLookups: identical concurrent lookups', () => {
  it('asks the chain once for 20 concurrent requests presenting one transaction, and pays one', async () => {
    const { chain, pay } = route()
    chain.pay(hash(7))
    const outcomes = await Promise.all(Array.from({ length: 20 }, () => pay(hash(7))))
    assert.equal(chain.calls.length, 1)
    const paid = outcomes.filter((o) => o.type === 'paid')
    assert.equal(paid.length, 1)
    for (const other of outcomes.filter((o) => o.type !== 'paid')) {
      assert.ok(other.type === 'error' || other.type === 'payment_required')
      assert.equal((other.body as { error: string }).error, 'payment_in_progress')
    }
  })

  it('answers a request arriving just after a confirmed answer from it, and pays the payment once', async () => {
    const { chain, pay } = route()
    chain.pay(hash(8))
    const first = await pay(hash(8))
    assert.equal(first.type, 'paid')
    // Still claimed: the late request of the burst shares the answer and waits for the claim.
    const late = await pay(hash(8))
    assert.equal(errorOf(late), 'payment_in_progress')
    assert.deepEqual(chain.calls, [hash(8)], 'one chain lookup for the whole burst')
    if (first.type === 'paid') await first.finish(false) // not served: released
    // Released, the payment is asked of the chain again (a reorg may have dropped it since:
    // keptAnswerAfterReorg.e2e.test.ts in chain-evm).
    const later = await pay(hash(8))
    assert.equal(later.type, 'paid')
    assert.deepEqual(chain.calls, [hash(8), hash(8)])
  })

  it('asks again after a pending or not-found answer: only a confirmed one is kept', async () => {
    const { chain, pay } = route()
    chain.set(hash(9), { status: 'pending', retryAfterMs: 1000 })
    assert.equal(errorOf(await pay(hash(9))), 'payment_pending')
    chain.pay(hash(9))
    assert.equal((await pay(hash(9))).type, 'paid')
    assert.equal(errorOf(await pay(hash(10))), 'tx_not_found')
    chain.pay(hash(10))
    assert.equal((await pay(hash(10))).type, 'paid')
    assert.deepEqual(chain.calls, [hash(9), hash(9), hash(10), hash(10)])
  })

  it('asks again once keepConfirmedMs has passed, and keeps nothing with 0', async () => {
    const { chain } = route()
    chain.pay(hash(11))
    const attempt = {
      offer: { plugin: chain.plugin },
      txId: hash(11),
      requirement: { payTo: chain.plugin.payTo, asset: chain.plugin.assets[0], amount: 10000n },
      challenge: undefined,
    } as unknown as Attempt
    const ask = () => chain.plugin.verify({ txId: attempt.txId, requirement: attempt.requirement })
    const brief = sharedLookups({ keepConfirmedMs: 30 })
    await brief.run(attempt, ask)
    await brief.run(attempt, ask)
    assert.equal(chain.calls.length, 1)
    await new Promise((resolve) => setTimeout(resolve, 60))
    await brief.run(attempt, ask)
    assert.equal(chain.calls.length, 2)
    const none = sharedLookups({ keepConfirmedMs: 0 })
    await none.run(attempt, ask)
    await none.run(attempt, ask)
    assert.equal(chain.calls.length, 4)
  })

  it('keeps a bounded amount of reports, however many payers one transaction lists', async () => {
    // Anyone can present one old confirmed transaction under a fresh challenge per request (a 402
    // is free): each is a lookup of its own, and its confirmed report is kept. A transaction made
    // to list many payers (one transferFrom each) makes each report large.
    setFlagsFromString('--expose-gc')
    const gc = runInNewContext('gc') as () => void
    const { chain } = route()
    const lookups = sharedLookups()
    const report = (): VerifyResult => ({
      status: 'confirmed',
      payer: '0x00000000000000000000000000000000000000aa',
      amount: 1n,
      blockTime: Math.floor(Date.now() / 1000),
      transfers: Array.from({ length: 100 }, (_, i) => ({
        payer: `0x${String(i).padStart(40, '0')}`,
        amount: BigInt(i + 1),
      })),
    })
    const attempt = (i: number) =>
      ({
        offer: { plugin: chain.plugin },
        txId: hash(12),
        requirement: { payTo: chain.plugin.payTo, asset: chain.plugin.assets[0], amount: 10000n },
        challenge: { id: `challenge-${i}` },
      }) as unknown as Attempt
    gc()
    const before = process.memoryUsage().heapUsed
    for (let i = 0; i < 10_000; i++) await lookups.run(attempt(i), async () => report())
    gc()
    const grown = (process.memoryUsage().heapUsed - before) / 1_048_576
    assert.ok(grown < 40, `kept reports hold ${grown.toFixed(0)} MB`)
    // The cache is still in use here (so still reachable when the heap was measured).
    let asked = false
    await lookups.run(attempt(9_999), async () => {
      asked = true
      return report()
    })
    assert.equal(typeof asked, 'boolean')
  })
})
