import assert from 'node:assert/strict'
import { AuthorityType, createSetAuthorityInstruction } from '@solana/spl-token'
import { Keypair, Transaction } from '@solana/web3.js'
import { solana } from '@tx402/chain-solana'
import { callPaidEndpoint } from '../callPaidEndpoint.js'
import { memoryJournal } from '../journal/memoryJournal.js'
import { PayToAccountError } from '../refusals.js'
import { type PaidApp, startPaidApp } from '../test/paidApp.js'
import { type SolanaEnv, startSolanaEnv } from '../test/solanaEnv.js'

describe("solanaPayer reads payTo's receiving account before signing (litesvm RPC, callPaidEndpoint)", function () {
  this.timeout(60_000)
  let env: SolanaEnv
  const apps: PaidApp[] = []

  before(async () => {
    env = await startSolanaEnv()
  })
  after(async () => {
    await Promise.all(apps.map((app) => app.stop()))
    await env?.stop()
  })

  const sol = { standard: 'native', symbol: 'SOL', decimals: 9 } as const
  const serve = async (payTo: Keypair, price: { price: string; asset: string }) => {
    const assets =
      price.asset === 'SOL'
        ? [sol]
        : [{ standard: 'spl' as const, mint: env.mint.toBase58(), symbol: 'USDC', decimals: 6 }]
    const chain = solana({
      rpcUrl: env.rpc.rpcUrl,
      network: env.rpc.network,
      payTo: payTo.publicKey.toBase58(),
      assets,
    })
    const app = await startPaidApp({ chains: [chain], ...price })
    apps.push(app)
    return app
  }
  const call = (app: PaidApp) =>
    callPaidEndpoint(
      app.url,
      {},
      { payers: [env.payer], journal: memoryJournal(), maxAmount: { SOL: '0.01', USDC: '0.10' } },
    )
  // What the payer holds: any transfer, or any transaction fee, changes one of the two.
  const payerHoldings = async () => ({
    usdc: await env.balanceOf(env.payerKeypair.publicKey),
    lamports: await env.connection.getBalance(env.payerKeypair.publicKey),
  })

  it("refuses payTo's USDC token account whose owner was moved (SetAuthority): typed error, nothing sent", async () => {
    const payTo = Keypair.generate()
    const thief = Keypair.generate()
    env.rpc.fund(payTo.publicKey, 1_000_000_000n)
    const account = env.rpc.mintTo({ mint: env.mint, owner: payTo.publicKey, amount: 0n })
    await env.connection.sendTransaction(
      new Transaction().add(
        createSetAuthorityInstruction(
          account,
          payTo.publicKey,
          AuthorityType.AccountOwner,
          thief.publicKey,
        ),
      ),
      [payTo],
    )
    const app = await serve(payTo, { price: '0.01', asset: 'USDC' })
    const before = await payerHoldings()

    await assert.rejects(call(app), (error: unknown) => {
      assert.ok(error instanceof PayToAccountError, String(error))
      assert.equal(error.reason, 'owner_moved')
      assert.equal(error.account, account.toBase58())
      assert.equal(error.found, thief.publicKey.toBase58())
      assert.match(error.message, /Nothing was paid/)
      return true
    })

    assert.deepEqual(await payerHoldings(), before, 'no transfer, no fee: nothing was sent')
    const { value } = await env.connection.getTokenAccountBalance(account)
    assert.equal(value.amount, '0', 'the moved account received nothing')
    assert.deepEqual(app.presented, [null], 'no payment was presented')
  })

  it('refuses a native-SOL price below the rent-exempt minimum to an empty payTo: typed error, nothing sent', async () => {
    const payTo = Keypair.generate()
    const app = await serve(payTo, { price: '0.0001', asset: 'SOL' })
    const before = await payerHoldings()

    await assert.rejects(call(app), (error: unknown) => {
      assert.ok(error instanceof PayToAccountError, String(error))
      assert.equal(error.reason, 'below_rent_exemption')
      assert.equal(error.account, payTo.publicKey.toBase58())
      assert.match(error.message, /rent-exempt minimum \(0\.00089088 SOL/)
      return true
    })

    assert.deepEqual(await payerHoldings(), before, 'no transfer, no fee: nothing was sent')
    assert.equal(await env.connection.getBalance(payTo.publicKey), 0)
  })

  it('pays the same price once payTo holds the rent-exempt minimum: served once, one transfer', async () => {
    const payTo = Keypair.generate()
    env.rpc.fund(payTo.publicKey, 890_880n)
    const app = await serve(payTo, { price: '0.0001', asset: 'SOL' })
    const before = await payerHoldings()

    const response = await call(app)

    assert.equal(response.status, 200)
    assert.equal(await env.connection.getBalance(payTo.publicKey), 890_880 + 100_000)
    const after = await payerHoldings()
    // One transaction: the price and one signature's fee left the payer.
    assert.equal(before.lamports - after.lamports, 100_000 + 5_000)
    assert.equal(app.presented.filter(Boolean).length, 1)
  })
})
