import assert from 'node:assert/strict'
import { getAddress } from 'viem'
import { payRouterAbi, testTokenAbi } from '../deployTestContracts.js'
import { type EvmPaymentsEnv, price } from './evmPaymentsEnv.js'

/**
 * Cases of `describeEvmPayments`: ERC-20 transfers: accepted, summed, and each way one falls short.
 *
 * @example describe('base()', () => { transferCases(useEvmPaymentsEnv(suite)) })
 */
export function transferCases(env: EvmPaymentsEnv): void {
  it('accepts a transfer of the asset to payTo, with the payer and block time', async () => {
    const hash = await env.transfer(env.usdc.address, env.payTo, price)
    const receipt = await env.node.publicClient.getTransactionReceipt({ hash })
    const block = await env.node.publicClient.getBlock({ blockNumber: receipt.blockNumber })
    const result = await env.verify(hash)
    assert.ok(result.status === 'confirmed', result.status)
    const { payer: from, amount, received, blockTime } = result
    assert.deepEqual(
      { from, amount, received, blockTime },
      {
        from: getAddress(env.payer),
        amount: price,
        received: price,
        blockTime: Number(block.timestamp),
      },
    )
  })

  it('treats an upper-case or 0x-less hash as the same payment', async () => {
    const hash = await env.transfer(env.usdc.address, env.payTo, price)
    const variants = [hash.toUpperCase().replace('0X', '0x'), hash.slice(2).toUpperCase()]
    for (const variant of variants) {
      assert.equal(env.plugin.normalizeTxId(variant), hash)
      const result = await env.verify(variant)
      assert.equal(result.status, 'confirmed')
    }
  })

  it('reports a larger payment with its full amount', async () => {
    const hash = await env.transfer(env.usdc.address, env.payTo, 3n * price)
    const result = await env.verify(hash)
    assert.equal(result.status === 'confirmed' && result.amount, 3n * price)
  })

  it('answers tx_failed for a reverted transfer', async () => {
    const hash = await env.callContract(1, {
      address: env.usdc.address,
      abi: testTokenAbi,
      functionName: 'transfer',
      args: [env.payTo, 10_000n * price],
      gas: 100_000n,
    })
    const receipt = await env.node.publicClient.getTransactionReceipt({ hash })
    assert.equal(receipt.status, 'reverted')
    env.expectInvalid(await env.verify(hash), 'tx_failed')
  })

  it('answers wrong_asset for a same-symbol token from another contract', async () => {
    env.expectInvalid(
      await env.verify(await env.transfer(env.fake, env.payTo, price)),
      'wrong_asset',
    )
  })

  it('answers wrong_recipient when the asset went to another address', async () => {
    const hash = await env.transfer(env.usdc.address, env.node.accounts[8]!.address, price)
    env.expectInvalid(await env.verify(hash), 'wrong_recipient')
  })

  it('answers insufficient_amount for less than the price', async () => {
    env.expectInvalid(
      await env.verify(await env.transfer(env.usdc.address, env.payTo, price - 1n)),
      'insufficient_amount',
    )
  })

  it('counts what a fee-on-transfer token delivered, not what was sent', async () => {
    const hash = await env.transfer(env.feeToken, env.payTo, price)
    env.expectInvalid(
      await env.verify(hash, { asset: env.erc20(env.feeToken) }),
      'insufficient_amount',
    )
    const result = await env.verify(hash, {
      asset: env.erc20(env.feeToken),
      amount: price - price / 100n,
    })
    assert.equal(result.status === 'confirmed' && result.amount, price - price / 100n)
  })

  it('does not count a token whose transfer returned false without moving anything', async () => {
    const hash = await env.transfer(env.falseToken, env.payTo, price)
    const receipt = await env.node.publicClient.getTransactionReceipt({ hash })
    assert.equal(receipt.status, 'success')
    env.expectInvalid(await env.verify(hash, { asset: env.erc20(env.falseToken) }), 'wrong_asset')
  })

  it('sums two Transfers in one transaction', async () => {
    const hash = await env.callContract(1, {
      address: env.router,
      abi: payRouterAbi,
      functionName: 'paySplit',
      args: [env.usdc.address, env.payTo, 400_000n, 600_000n],
    })
    const result = await env.verify(hash)
    assert.equal(result.status, 'confirmed')
    assert.equal(result.status === 'confirmed' && result.amount, price)
    env.expectInvalid(await env.verify(hash, { amount: price + 1n }), 'insufficient_amount')
  })

  it('counts a transfer made inside a contract call, paid by the token sender', async () => {
    const hash = await env.callContract(1, {
      address: env.router,
      abi: payRouterAbi,
      functionName: 'pay',
      args: [env.usdc.address, env.payTo, price],
    })
    const transaction = await env.node.publicClient.getTransaction({ hash })
    assert.equal(transaction.to, env.router.toLowerCase())
    const result = await env.verify(hash)
    assert.equal(result.status === 'confirmed' && result.payer, getAddress(env.payer))
  })

  it('answers tx_not_found for a hash the node does not know', async () => {
    env.expectInvalid(await env.verify(`0x${'ab'.repeat(32)}`), 'tx_not_found')
  })
}
