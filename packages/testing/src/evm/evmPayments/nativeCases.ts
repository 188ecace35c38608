import assert from 'node:assert/strict'
import { type EvmPaymentsEnv, price } from './evmPaymentsEnv.js'

/**
 * Cases of `describeEvmPayments`: native-coin payments: paid in full, short, elsewhere, or in the wrong asset.
 *
 * @example describe('base()', () => { nativeCases(useEvmPaymentsEnv(suite)) })
 */
export function nativeCases(env: EvmPaymentsEnv): void {
  it('accepts native coin paid in full to payTo', async () => {
    const hash = await env.mined(
      env.node.wallet(2).sendTransaction({ to: env.payTo, value: 10n ** 15n }),
    )
    const result = await env.verify(hash, { asset: env.eth, amount: 10n ** 15n })
    assert.equal(result.status, 'confirmed')
    assert.equal(result.status === 'confirmed' && result.payer, env.node.accounts[2]!.address)
    assert.equal(result.status === 'confirmed' && result.amount, 10n ** 15n)
  })

  it('answers insufficient_amount or wrong_recipient for native coin that falls short', async () => {
    const under = await env.mined(
      env.node.wallet(2).sendTransaction({ to: env.payTo, value: 10n ** 15n - 1n }),
    )
    env.expectInvalid(
      await env.verify(under, { asset: env.eth, amount: 10n ** 15n }),
      'insufficient_amount',
    )
    const elsewhere = await env.mined(
      env.node.wallet(2).sendTransaction({ to: env.node.accounts[8]!.address, value: 10n ** 15n }),
    )
    env.expectInvalid(
      await env.verify(elsewhere, { asset: env.eth, amount: 10n ** 15n }),
      'wrong_recipient',
    )
    const token = await env.transfer(env.usdc.address, env.payTo, price)
    env.expectInvalid(await env.verify(token, { asset: env.eth, amount: 1n }), 'wrong_asset')
  })
}
