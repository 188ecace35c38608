import assert from 'node:assert/strict'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import Router from '@koa/router'
import { PublicKey } from '@solana/web3.js'
import {
  decodeBase64Json,
  memoryLedger,
  type PaymentCredit,
  type PaymentRequiredBody,
} from '@tx402/core'
import { paymentRequired } from '@tx402/koa'
import { sendTransfer } from '@tx402/testing/solana'
import Koa from 'koa'
import { type LocalChain, startLocalChain } from './test/localChain.js'

// A credit pack bought in SPL tokens on litesvm behind loopback JSON-RPC, then spent with no RPC
// call (docs/protocol.md section 7). The real ledgers are covered on anvil in @tx402/reliability.
describe('prepaid credit bought on Solana, end to end', () => {
  let chain: LocalChain
  let server: Server
  let url: string
  let rpcCalls = 0

  before(async () => {
    chain = await startLocalChain()
    const plugin = chain.plugin({ timeoutMs: 300 })
    const router = new Router()
    router.get(
      '/api/weather',
      paymentRequired({
        price: '0.01',
        asset: 'USDC',
        chains: [plugin],
        ledger: memoryLedger(),
        secret: 'solana-credit-secret-at-least-32-bytes!',
        logger: { info() {}, warn() {}, error() {} },
        credit: { packs: ['0.05'] },
      }),
      (ctx) => {
        ctx.body = { forecast: 'sunny', credit: ctx.state.payment?.credit?.use ?? null }
      },
    )
    const app = new Koa()
    // Every JSON-RPC request the plugin makes goes through this process's fetch: count them.
    const realFetch = globalThis.fetch
    globalThis.fetch = (input, init) => {
      if (String(input instanceof Request ? input.url : input).startsWith(chain.rpc.rpcUrl)) {
        rpcCalls++
      }
      return realFetch(input, init)
    }
    app.use(router.routes())
    server = app.listen(0, '127.0.0.1')
    await new Promise((resolve) => server.once('listening', resolve))
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/weather`
  })
  after(async () => {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
    await chain.stop()
  })

  it('buys a pack with a reference-bound transfer, then spends it without the chain', async () => {
    const body = (await (await fetch(url)).json()) as PaymentRequiredBody
    const accept = body.accepts.find((a) => a.network === chain.rpc.network)
    assert.ok(accept?.reference && accept.asset.standard === 'spl')
    assert.deepEqual(accept.credit, { packs: ['50000'], scope: 'default' })
    const txId = await sendTransfer(chain.connection, {
      payer: chain.payer,
      to: new PublicKey(accept.payTo),
      mint: new PublicKey(accept.asset.mint),
      amount: 50_000n,
      reference: new PublicKey(accept.reference),
    })
    const bought = await fetch(url, {
      headers: {
        'x-payment-tx': txId,
        'x-payment-chain': accept.chain,
        'x-payment-challenge': body.challenge.id,
      },
    })
    assert.equal(bought.status, 200)
    const credit = decodeBase64Json<PaymentCredit>(bought.headers.get('payment-credit')!)
    assert.equal(credit.remaining, '40000')
    assert.equal(credit.network, chain.rpc.network)
    assert.equal(credit.asset, chain.usdc.toBase58())
    await bought.arrayBuffer()
    await new Promise((resolve) => setTimeout(resolve, 50)) // the commit follows the response

    const before = rpcCalls
    const answers: number[] = []
    for (let i = 0; i < 5; i++) {
      const spent = await fetch(url, { headers: { 'x-payment-credit': credit.token } })
      answers.push(spent.status)
      if (spent.status === 402) {
        assert.equal(((await spent.json()) as { error: string }).error, 'credit_exhausted')
      } else {
        assert.deepEqual(await spent.json(), { forecast: 'sunny', credit: 'spent' })
      }
    }
    assert.deepEqual(answers, [200, 200, 200, 200, 402])
    assert.equal(rpcCalls, before, 'no RPC call to spend credit')
  })
})
