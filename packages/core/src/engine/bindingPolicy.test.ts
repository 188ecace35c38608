import assert from 'node:assert/strict'
import { ConfigurationError } from '../errors.js'
import { memoryLedger } from '../memoryLedger.js'
import type { ChainPlugin } from '../plugin.js'
import { proofMessage } from '../proofMessage.js'
import type { PaymentRequiredBody } from '../protocol/types.js'
import { engineOn, hash, request, silent, status } from '../test/engineSupport.js'
import { confirmedPayment, scriptedChain, scriptedPayer } from '../testing/scriptedChain.js'
import { createPaymentEngine } from './createPaymentEngine.js'

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
    // A reference-bound chain reports the reference seen; the engine checks it (judgePayment).
    chain.set(hash(1), {
      status: 'confirmed',
      payer: scriptedPayer,
      amount: 10000n,
      blockTime: Math.floor(Date.now() / 1000),
      referenceSeen: true,
    })
    const engine = engineOn(chain.plugin)
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

  it('requireProof: advertises proofRequired, refuses a missing or wrong proof, accepts the payer signature', async () => {
    const signed: string[] = []
    const plugin: ChainPlugin = {
      ...scriptedChain({ otherwise: confirmedPayment }).plugin,
      // A "signature" here is the message itself prefixed by the payer: enough to test the wiring.
      async verifyProof({ message, signature, payer }) {
        signed.push(message)
        return signature === `${payer}:${Buffer.from(message).toString('base64')}`
      },
    }
    const engine = engineOn(plugin, { requireProof: true })
    const asked = await engine.handle({ ...request(hash(2)), headers: {} })
    const body = (asked as { body: PaymentRequiredBody }).body
    assert.equal(body.accepts[0]!.proofRequired, true)
    const paying = (proof?: string) =>
      engine.handle({
        ...request(hash(2)),
        headers: {
          ...request(hash(2)).headers,
          'x-payment-challenge': [body.challenge.id],
          ...(proof ? { 'x-payment-proof': [proof] } : {}),
        },
      })
    const errorOf = async (proof?: string) => {
      const outcome = await paying(proof)
      return outcome.type === 'error' ? outcome.body.error : outcome.type
    }
    assert.equal(await errorOf(), 'proof_invalid')
    assert.equal(await errorOf('0xdeadbeef'), 'proof_invalid')
    const message = proofMessage({
      network: 'eip155:31337',
      txId: hash(2),
      challengeId: body.challenge.id,
    })
    assert.equal(signed.at(-1), message)
    assert.equal(
      await errorOf(`${scriptedPayer}:${Buffer.from(message).toString('base64')}`),
      'paid',
    )
  })

  it('requireChallenge: refuses a payment without x-payment-challenge before any verification', async () => {
    const chain = scriptedChain({ otherwise: confirmedPayment })
    const engine = engineOn(chain.plugin, { requireChallenge: true })
    const outcome = await engine.handle(request(hash(3)))
    assert.equal(outcome.type === 'error' && outcome.body.error, 'challenge_invalid')
    assert.equal(chain.calls.length, 0)
  })
})
