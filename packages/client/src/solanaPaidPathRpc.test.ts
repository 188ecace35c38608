import assert from 'node:assert/strict'
import { getAssociatedTokenAddressSync } from '@solana/spl-token'
import { Keypair } from '@solana/web3.js'
import { forwardJsonRpc, type JsonRpcServer, serveJsonRpc } from '@tx402/testing/evm'
import { callPaidEndpoint } from './callPaidEndpoint.js'
import { memoryJournal } from './journal/memoryJournal.js'
import { type PaidApp, startPaidApp } from './test/paidApp.js'
import { type SolanaEnv, startSolanaEnv, usdcOnLitesvm } from './test/solanaEnv.js'

/**
 * The engine calls a plugin's `ready()` before every verification, relying on a remembered
 * success (`ChainPlugin.ready`). Solana's ready() read payTo's token account and the mint again
 * each time (two sequential getAccountInfo per accepted mint on every paid request: extra round
 * trips and RPC budget on the paid path). The destination is checked at startup (`ready` with the
 * route's requirements) and by `health()`; the payer reads it itself before signing.
 */
describe('Solana paid path: payTo’s accounts are not read again on every verification (litesvm, Koa)', function () {
  this.timeout(60_000)
  let env: SolanaEnv
  let proxy: JsonRpcServer | undefined
  let app: PaidApp | undefined
  const asked: { method: string; first: unknown }[] = []

  before(async () => {
    env = await startSolanaEnv()
  })
  after(async () => {
    await app?.stop()
    await proxy?.close()
    await env?.stop()
  })

  it('reads neither payTo’s token account nor the mint while verifying a payment', async () => {
    const forward = forwardJsonRpc(env.rpc.rpcUrl)
    proxy = await serveJsonRpc((method, params) => {
      asked.push({ method, first: params[0] })
      return forward(method, params)
    })
    const payTo = Keypair.generate().publicKey
    const chain = usdcOnLitesvm(env, payTo, proxy.url)
    app = await startPaidApp({ chains: [chain] })
    // The startup check reads them (and must: an owner moved with SetAuthority is refused).
    await chain.ready()
    const account = getAssociatedTokenAddressSync(env.mint, payTo, true).toBase58()
    const readsOf = (address: string) =>
      asked.filter(({ method, first }) => method === 'getAccountInfo' && first === address)
    assert.ok(readsOf(account).length > 0, 'ready() read payTo’s token account')

    asked.splice(0)
    for (let call = 0; call < 3; call++) {
      const response = await callPaidEndpoint(
        app.url,
        {},
        { payers: [env.payer], journal: memoryJournal() },
      )
      assert.equal(response.status, 200)
    }
    assert.equal(await env.balanceOf(payTo), 30_000n, 'three transfers of the price')
    assert.deepEqual(readsOf(account), [], 'payTo’s token account read on the paid path')
    assert.deepEqual(readsOf(env.mint.toBase58()), [], 'the mint read on the paid path')
  })
})
