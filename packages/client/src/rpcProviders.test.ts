import assert from 'node:assert/strict'
import { base } from '@tx402/chain-base'
import { forwardJsonRpc, type JsonRpcServer, serveJsonRpc } from '@tx402/testing/evm'
import { callPaidEndpoint } from './callPaidEndpoint.js'
import { memoryJournal } from './journal/memoryJournal.js'
import { type EvmEnv, startEvmEnv } from './test/evmEnv.js'
import { type PaidApp, paymentResponse, startPaidApp } from './test/paidApp.js'

describe('paying a server whose EVM RPC provider refuses or caps JSON-RPC batches', function () {
  this.timeout(60_000)
  let env: EvmEnv
  const stops: Array<() => Promise<void>> = []

  before(async () => {
    env = await startEvmEnv(8453)
  })
  after(async () => {
    await Promise.all(stops.map((stop) => stop()))
    await env?.stop()
  })

  /** A paid app whose Base plugin reaches anvil only through `proxy`. */
  const serveBehind = async (proxy: JsonRpcServer): Promise<{ app: PaidApp; payTo: string }> => {
    const payTo = env.freshPayTo()
    const app = await startPaidApp({
      chains: [
        base({
          rpcUrl: proxy.url,
          payTo,
          assets: [{ standard: 'erc20', address: env.usdc, symbol: 'USDC', decimals: 6 }],
        }),
      ],
    })
    stops.push(app.stop, proxy.close)
    return { app, payTo }
  }
  const pay = (url: string) =>
    callPaidEndpoint(url, {}, { payers: [env.payer], journal: memoryJournal(), timeoutMs: 20_000 })
  const batchSizes = (proxy: JsonRpcServer) => proxy.requests.map((methods) => methods.length)

  for (const [what, batchLimit] of [
    ['refuses every batch with HTTP 400 and -32600', { max: 1, answer: 'http-400' }],
    ['answers -32600 to batches of more than 2', { max: 2, answer: 'json-rpc-error' }],
  ] as const) {
    it(`is served with one transfer when the provider ${what}, and remembers it`, async () => {
      const proxy = await serveJsonRpc(forwardJsonRpc(env.node.rpcUrl), { batchLimit })
      const { app, payTo } = await serveBehind(proxy)
      const response = await pay(app.url)
      assert.equal(response.status, 200)
      const transfers = await env.transfersTo(payTo as `0x${string}`)
      assert.equal(transfers.length, 1)
      assert.equal(paymentResponse(response.headers).transaction, transfers[0]!.transactionHash)
      const refused = proxy.requests.filter(([first]) => first?.startsWith('refused')).length
      assert.ok(refused >= 1, 'the provider refused at least one batch')
      assert.ok(
        batchSizes(proxy).every((size) => size <= batchLimit.max || size === 1),
        'nothing above the limit got through',
      )
      // The limit is remembered for the URL: a second payment sends no batch it would refuse.
      const before = proxy.requests.length
      const again = await pay(app.url)
      assert.equal(again.status, 200)
      const later = proxy.requests.slice(before)
      assert.ok(later.length > 0)
      assert.ok(
        later.every(([first]) => !first?.startsWith('refused')),
        JSON.stringify(later),
      )
    })
  }
})
