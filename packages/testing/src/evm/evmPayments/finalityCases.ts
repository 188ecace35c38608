import assert from 'node:assert/strict'
import { testTokenAbi } from '../deployTestContracts.js'
import { type EvmPaymentsEnv, price, slotsInAnEpoch } from './evmPaymentsEnv.js'

/**
 * Cases of `describeEvmPayments`: depth and age: pending until final enough, too old once aged.
 *
 * @example describe('base()', () => { finalityCases(useEvmPaymentsEnv(suite)) })
 */
export function finalityCases(env: EvmPaymentsEnv): void {
  it('is pending while the transaction waits in the mempool, then accepted', async () => {
    await env.node.testClient.setAutomine(false)
    try {
      const hash = await env.node.wallet(1).writeContract({
        address: env.usdc.address,
        abi: testTokenAbi,
        functionName: 'transfer',
        args: [env.payTo, price],
      })
      const result = await env.verify(hash)
      assert.equal(result.status, 'pending')
      assert.ok(result.status === 'pending' && result.retryAfterMs >= 1000)
      await env.node.testClient.mine({ blocks: 1 })
      assert.equal((await env.verify(hash)).status, 'confirmed')
    } finally {
      await env.node.testClient.setAutomine(true)
    }
  })

  it('is pending until enough blocks are mined', async () => {
    const strict = env.suite.plugin(env.options({ confirmations: 3 }))
    const hash = await env.transfer(env.usdc.address, env.payTo, price)
    assert.equal((await env.verify(hash, { with: strict })).status, 'pending')
    await env.node.testClient.mine({ blocks: 1 })
    assert.equal((await env.verify(hash, { with: strict })).status, 'pending')
    await env.node.testClient.mine({ blocks: 1 })
    assert.equal((await env.verify(hash, { with: strict })).status, 'confirmed')
  })

  it('with finality safe, is pending until the block is at or below the safe head', async () => {
    const safe = env.suite.plugin(env.options({ finality: 'safe' }))
    const hash = await env.transfer(env.usdc.address, env.payTo, price)
    assert.equal((await env.verify(hash, { with: safe })).status, 'pending')
    await env.node.testClient.mine({ blocks: slotsInAnEpoch - 1 })
    assert.equal((await env.verify(hash, { with: safe })).status, 'pending')
    await env.node.testClient.mine({ blocks: 1 })
    assert.equal((await env.verify(hash, { with: safe })).status, 'confirmed')
  })

  it('answers tx_too_old once the block is older than maxAgeSeconds', async () => {
    const hash = await env.transfer(env.usdc.address, env.payTo, price)
    await env.node.testClient.increaseTime({ seconds: 901 })
    await env.node.testClient.mine({ blocks: 1 })
    env.expectInvalid(await env.verify(hash), 'tx_too_old')
    assert.equal((await env.verify(hash, { maxAgeSeconds: 0 })).status, 'confirmed')
  })

  it('answers tx_too_old for a payment made before the challenge was issued', async () => {
    const hash = await env.transfer(env.usdc.address, env.payTo, price)
    const result = await env.verify(hash)
    assert.equal(result.status, 'confirmed')
    const blockTime = (result as { blockTime: number }).blockTime
    const challenge = (issuedAt: number) => ({
      id: 'c1.x.y',
      issuedAt,
      reference: new Uint8Array(32),
    })
    env.expectInvalid(
      await env.verify(hash, { challenge: challenge(blockTime + 600) }),
      'tx_too_old',
    )
    // Within the clock skew: a payer whose clock runs a little ahead is still served.
    assert.equal(
      (await env.verify(hash, { challenge: challenge(blockTime + 5) })).status,
      'confirmed',
    )
  })
}
