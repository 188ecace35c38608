import assert from 'node:assert/strict'
import { memoryLedger } from '../memoryLedger.js'
import { hash, silent } from '../test/engineSupport.js'
import { scriptedChain } from '../testing/scriptedChain.js'
import { createPaymentEngine } from './createPaymentEngine.js'

// A burst of identical requests for one payment asks the chain once per process; each is still
// judged and claimed on its own, so exactly one is paid.

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

  it('asks again once the first answer arrived (nothing is kept)', async () => {
    const { chain, pay } = route()
    chain.pay(hash(8))
    const first = await pay(hash(8))
    assert.equal(first.type, 'paid')
    if (first.type === 'paid') await first.finish(false) // not served: released
    const later = await pay(hash(8))
    assert.equal(later.type, 'paid')
    assert.equal(chain.calls.length, 2)
  })
})
