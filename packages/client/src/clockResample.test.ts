import assert from 'node:assert/strict'
import { Keypair } from '@solana/web3.js'
import { memoryLedger } from '@tx402/core'
import { paymentRequired } from '@tx402/koa'
import { forwardJsonRpc, JsonRpcError, type JsonRpcServer, serveJsonRpc } from '@tx402/testing/evm'
import { callPaidEndpoint } from './callPaidEndpoint.js'
import { memoryJournal } from './journal/memoryJournal.js'
import { type PaidApp, startPaidApp } from './test/paidApp.js'
import { type SolanaEnv, startSolanaEnv, usdcOnLitesvm } from './test/solanaEnv.js'

/**
 * A refusal the chain's clock could decide (`insufficient_amount` of a transaction judged after
 * its challenge; `tx_too_old`) asks the chain's time again, documented as at most once per 5 s
 * per chain. While the time could not be read (an RPC failing `getBlockTime`), no sample was ever
 * recorded, and every refused presentation asked the RPC again: a stream of refused payments
 * became a stream of RPC reads.
 */
describe('the chain clock is re-read at most once per 5 s on refusals, even while its time cannot be read (litesvm, Koa)', function () {
  this.timeout(60_000)
  let env: SolanaEnv
  let proxy: JsonRpcServer | undefined
  let app: PaidApp | undefined

  before(async () => {
    env = await startSolanaEnv()
  })
  after(async () => {
    await app?.stop()
    await proxy?.close()
    await env?.stop()
  })

  it('eight refused presentations ask the cluster time at most a few times', async () => {
    const forward = forwardJsonRpc(env.rpc.rpcUrl)
    let timeReads = 0
    proxy = await serveJsonRpc((method, params) => {
      if (method === 'getBlockTime') {
        timeReads++
        throw new JsonRpcError(-32603, 'upstream unavailable')
      }
      return forward(method, params)
    })
    const chain = usdcOnLitesvm(env, Keypair.generate().publicKey, proxy.url)
    app = await startPaidApp({
      chains: [chain],
      // The same payee at twice the price: the payment above is insufficient there.
      routes: (router) => {
        const premium = paymentRequired({
          price: '0.02',
          asset: 'USDC',
          chains: [chain],
          ledger: memoryLedger(),
          secret: 'client-test-secret-of-at-least-32-bytes!',
          logger: { info() {}, warn() {}, error() {} },
        })
        router.get('/api/premium', premium, (ctx) => {
          ctx.body = { premium: true }
        })
      },
    })
    const paid = await callPaidEndpoint(
      app.url,
      {},
      { payers: [env.payer], journal: memoryJournal() },
    )
    assert.equal(paid.status, 200)
    const headers = app.paymentHeaders.at(-1)!
    const before = timeReads
    const presentations = 8
    for (let i = 0; i < presentations; i++) {
      const response: Response = await fetch(`${app.origin}/api/premium`, { headers })
      const body = (await response.json()) as { error?: string }
      assert.equal(response.status, 402)
      assert.equal(body.error, 'insufficient_amount')
    }
    const reads = timeReads - before
    assert.ok(reads <= 3, `${reads} reads of the cluster time for ${presentations} refusals`)
  })
})
