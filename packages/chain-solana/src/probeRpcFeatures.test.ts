import assert from 'node:assert/strict'
import { ConfigurationError, memoryLedger } from '@tx402/core'
import { paymentRequired } from '@tx402/koa'
import { type PartialRpc, partialRpc } from '@tx402/testing/faults'
import { type LocalChain, startLocalChain } from './test/localChain.js'

const secret = 'solana-features-secret-at-least-32-bytes'

// A Solana RPC without transaction history (-32011) or without a method (-32601) passed ready()
// and health(), and only failed once a payer had paid: every verification then answered 503.
describe('ready() asks the Solana RPC what verification will ask (litesvm behind a partial RPC)', () => {
  let chain: LocalChain
  const proxies: PartialRpc[] = []
  before(async () => {
    chain = await startLocalChain()
  })
  afterEach(async () => {
    await Promise.all(proxies.splice(0).map((proxy) => proxy.close()))
  })
  after(() => chain.stop())

  const route = (rpcUrl: string) =>
    paymentRequired({
      price: '0.01',
      asset: 'USDC',
      chains: [chain.plugin({ rpcUrl, timeoutMs: 2_000 })],
      ledger: memoryLedger(),
      secret,
    })

  it('passes on the RPC itself, and health() is ok', async () => {
    const paid = route(chain.rpc.rpcUrl)
    await paid.ready()
    assert.equal((await paid.health()).ok, true)
  })

  it('fails naming getTransaction when the RPC does not serve it', async () => {
    const proxy = await partialRpc(chain.rpc.rpcUrl, {
      unsupported: (method) => method === 'getTransaction',
    })
    proxies.push(proxy)
    const paid = route(proxy.url)
    await assert.rejects(paid.ready(), (error: Error) => {
      assert.ok(error instanceof ConfigurationError)
      assert.match(error.message, /- solana-local \(solana:[^)]+\): The solana-local RPC lacks/)
      assert.match(
        error.message,
        /getTransaction \(jsonParsed, confirmed, maxSupportedTransactionVersion 0\): error -32601/,
      )
      assert.doesNotMatch(error.message, new RegExp(new URL(proxy.url).port))
      return true
    })
    const health = await paid.health()
    assert.equal(health.ok, false)
    assert.match(health.chains[0]!.error ?? '', /getTransaction/)
  })

  it('fails naming getTransaction when the node keeps no transaction history (-32011)', async () => {
    const proxy = await partialRpc(chain.rpc.rpcUrl, {
      unsupported: (method) =>
        method === 'getTransaction' && {
          code: -32011,
          message: 'Transaction history is not available from this node',
        },
    })
    proxies.push(proxy)
    await assert.rejects(
      route(proxy.url).ready(),
      /getTransaction \(jsonParsed[^)]*\): error -32011/,
    )
  })

  it('fails naming getSignatureStatuses when the RPC does not serve it', async () => {
    const proxy = await partialRpc(chain.rpc.rpcUrl, {
      unsupported: (method) => method === 'getSignatureStatuses',
    })
    proxies.push(proxy)
    await assert.rejects(
      route(proxy.url).ready(),
      /getSignatureStatuses \(searchTransactionHistory\)/,
    )
  })
})
