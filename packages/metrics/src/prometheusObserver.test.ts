import assert from 'node:assert/strict'
import { createPaymentEngine, memoryLedger, VerifierUnavailableError } from '@tx402/core'
import { confirmedPayment, scriptedChain } from '@tx402/core/testing'
import { prometheusObserver } from './prometheusObserver.js'

const tx = (n: number) => `0x${n.toString(16).padStart(64, '0')}`

describe('prometheusObserver', () => {
  it('counts payments by outcome, verifications, faults and in-flight verifications', async () => {
    const chain = scriptedChain({ otherwise: confirmedPayment })
    chain.set(tx(3), new VerifierUnavailableError('RPC down'))
    const plugin = chain.plugin
    const metrics = prometheusObserver()
    const silent = { info() {}, warn() {}, error() {} }
    const engine = createPaymentEngine({
      price: '0.01',
      asset: 'USDC',
      chains: [plugin],
      ledger: memoryLedger(),
      secret: 'metrics-test-secret-at-least-32-bytes',
      observer: metrics,
      logger: silent,
    })
    const pay = (n: number) =>
      engine.handle({
        method: 'GET',
        path: '/p',
        headers: { 'x-payment-tx': [tx(n)], 'x-payment-chain': ['testnet'] },
      })
    for (const n of [1, 2]) {
      const outcome = await pay(n)
      if (outcome.type === 'paid') await outcome.finish(true)
    }
    await pay(1)
    await pay(3)
    const text = await metrics.registry.metrics()
    assert.match(text, /tx402_payments_total\{chain="testnet",outcome="served"\} 2/)
    assert.match(text, /tx402_payments_total\{chain="testnet",outcome="tx_already_used"\} 1/)
    assert.match(text, /tx402_payments_total\{chain="testnet",outcome="verifier_unavailable"\} 1/)
    assert.match(text, /tx402_dependency_errors_total\{dependency="rpc",chain="testnet"\} 1/)
    // 2: the hash-alone replay of a payment this process committed is refused from memory
    // (consumedMemory.ts), without reading the chain again.
    assert.match(text, /tx402_verification_seconds_count\{chain="testnet",result="confirmed"\} 2/)
    assert.match(text, /tx402_verification_seconds_count\{chain="testnet",result="fault"\} 1/)
    assert.match(text, /tx402_verifications_in_flight\{chain="testnet"\} 0/)
  })
})
