import assert from 'node:assert/strict'
import { VerifierUnavailableError } from '@tx402/core'
import { type EvmPaymentsEnv, price } from './evmPaymentsEnv.js'

/**
 * Cases of `describeEvmPayments` on RPC faults: another chain id or a stopped node is an outage, never a verdict.
 *
 * @example describe('base()', () => { rpcFaultCases(useEvmPaymentsEnv(suite)) })
 */
export function rpcFaultCases(env: EvmPaymentsEnv): void {
  it('refuses an RPC that serves another chain id', async () => {
    const hash = await env.transfer(env.usdc.address, env.payTo, price)
    const wrong = env.suite.plugin(env.options({ network: `eip155:${env.suite.chainId + 1}` }))
    await assert.rejects(wrong.ready!(), VerifierUnavailableError)
    await assert.rejects(env.verify(hash, { with: wrong }), VerifierUnavailableError)
    // The same node under its own network id verifies the same payment.
    assert.equal((await env.verify(hash)).status, 'confirmed')
  })

  it('is unavailable, never invalid, once the node is stopped', async () => {
    const hash = await env.transfer(env.usdc.address, env.payTo, price)
    const head = await env.node.publicClient.getBlock()
    await env.node.stop()
    const context = {
      txId: hash,
      requirement: { asset: env.usdc, amount: price, payTo: env.payTo, maxAgeSeconds: 900 },
      now: Number(head.timestamp) * 1000,
    }
    await assert.rejects(env.plugin.verify(context), VerifierUnavailableError)
    const fresh = env.suite.plugin(env.options())
    await assert.rejects(fresh.ready!(), VerifierUnavailableError)
    await assert.rejects(fresh.verify(context), (error: Error) => {
      assert.ok(error instanceof VerifierUnavailableError)
      assert.ok(!error.message.includes(env.node.rpcUrl), 'the RPC URL stays out of the message')
      return true
    })
  })
}
