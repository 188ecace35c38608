import assert from 'node:assert/strict'
import { memoryLedger } from '../memoryLedger.js'
import type { PaymentRequiredBody } from '../protocol/types.js'
import { hash, silent, status } from '../test/engineSupport.js'
import { scriptedChain } from '../testing/scriptedChain.js'
import { createPaymentEngine } from './createPaymentEngine.js'
import type { VerificationLimits } from './limits.js'
import type { Outcome } from './outcome.js'

// A flood of random hashes (no challenge) must not take what a payer holding a valid challenge
// needs: the verification slots of the chain, and the count of its client.

const errorOf = (outcome: Outcome) =>
  outcome.type === 'error' || outcome.type === 'payment_required'
    ? (outcome.body as { error: string }).error
    : outcome.type

function route(limits: VerificationLimits) {
  const chain = scriptedChain()
  const engine = createPaymentEngine({
    price: '0.01',
    asset: 'USDC',
    secret: 'admit-challenged-secret-at-least-32-bytes',
    logger: silent,
    chains: [chain.plugin],
    ledger: memoryLedger(),
    limits: { notFoundCacheMs: 0, ...limits },
  })
  const pay = (tx: string, extra: Record<string, string> = {}) =>
    engine.handle({
      method: 'GET',
      path: '/api/weather',
      client: '10.0.0.1',
      headers: Object.fromEntries(
        Object.entries({ 'x-payment-tx': tx, 'x-payment-chain': 'testnet', ...extra }).map(
          ([name, value]) => [name, [value]],
        ),
      ),
    })
  const challenge = async () => {
    const outcome = await engine.handle({ method: 'GET', path: '/api/weather', headers: {} })
    return { 'x-payment-challenge': (outcome as { body: PaymentRequiredBody }).body.challenge.id }
  }
  return { chain, pay, challenge }
}

describe('admission: a payer with a valid challenge beside a flood of random hashes', () => {
  it('admits a challenged payment while random hashes hold every slot of the chain', async () => {
    const { chain, pay, challenge } = route({ maxConcurrentVerifications: 2 })
    const open = chain.hold()
    const flood = [pay(hash(101)), pay(hash(102))]
    await new Promise((resolve) => setImmediate(resolve))
    assert.equal(errorOf(await pay(hash(103))), 'rate_limited', 'the bare cap is full')
    chain.pay(hash(1))
    const paying = pay(hash(1), await challenge())
    await new Promise((resolve) => setImmediate(resolve))
    assert.deepEqual(chain.calls, [hash(101), hash(102), hash(1)], 'verified beside the flood')
    open()
    assert.equal(status(await paying), 200)
    for (const outcome of await Promise.all(flood)) assert.equal(errorOf(outcome), 'tx_not_found')
  })

  it('admits a challenged payment from a client whose count random hashes used up', async () => {
    const { chain, pay, challenge } = route({ perClient: { max: 2, windowMs: 60_000 } })
    for (const n of [201, 202]) assert.equal(errorOf(await pay(hash(n))), 'tx_not_found')
    assert.equal(errorOf(await pay(hash(203))), 'rate_limited')
    chain.pay(hash(2))
    assert.equal(status(await pay(hash(2), await challenge())), 200)
    // The challenged count is a limit of its own, not a way around it.
    assert.equal(errorOf(await pay(hash(204), await challenge())), 'tx_not_found')
    assert.equal(errorOf(await pay(hash(205), await challenge())), 'rate_limited')
  })
})
