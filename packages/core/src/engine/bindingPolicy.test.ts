import assert from 'node:assert/strict'
import { ConfigurationError } from '../errors.js'
import { memoryLedger } from '../memoryLedger.js'
import { scriptedChain } from '../testing/scriptedChain.js'
import { createPaymentEngine } from './createPaymentEngine.js'
import { hash, request, silent, status } from './testSupport.js'

const secret = 'binding-policy-secret-at-least-32-bytes!'

describe('engine binding policy', () => {
  it('fails at setup when a chain cannot bind a payment and the route did not opt out', () => {
    const { plugin } = scriptedChain()
    // A third-party plugin that declares no binding and cannot check proofs.
    const { binding: _none, ...unbindable } = plugin
    const options = { price: '0.01', ledger: memoryLedger(), secret, logger: silent }
    assert.throws(
      () => createPaymentEngine({ ...options, chains: [unbindable] }),
      (error: Error) =>
        error instanceof ConfigurationError && /binding: 'none'/.test(error.message),
    )
    assert.doesNotThrow(() =>
      createPaymentEngine({ ...options, chains: [unbindable], binding: 'none' }),
    )
    assert.throws(
      // @ts-expect-error: a value the type refuses, as JavaScript callers may pass
      () => createPaymentEngine({ ...options, chains: [plugin], binding: 'loose' }),
      ConfigurationError,
    )
  })

  it('demands the challenge of a reference-bound chain before any verification', async () => {
    const chain = scriptedChain({ binding: 'reference' })
    chain.pay(hash(1))
    const engine = createPaymentEngine({
      price: '0.01',
      chains: [chain.plugin],
      ledger: memoryLedger(),
      secret,
      logger: silent,
    })
    const bare = await engine.handle(request(hash(1)))
    assert.equal(bare.type === 'error' && bare.body.error, 'challenge_invalid')
    assert.equal(chain.calls.length, 0)
    const challenge = await engine.handle({ ...request(hash(1)), headers: {} })
    assert.equal(challenge.type, 'payment_required')
    const id = challenge.type === 'payment_required' ? challenge.body.challenge!.id : ''
    const paid = await engine.handle({
      ...request(hash(1)),
      headers: { ...request(hash(1)).headers, 'x-payment-challenge': [id] },
    })
    assert.equal(status(paid), 200)
  })
})
