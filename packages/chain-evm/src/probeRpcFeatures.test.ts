import assert from 'node:assert/strict'
import { ConfigurationError, memoryLedger } from '@tx402/core'
import { paymentRequired } from '@tx402/koa'
import { type AnvilNode, deployTestToken, startAnvil } from '@tx402/testing/evm'
import { type PartialRpc, type PartialRpcOptions, partialRpc } from '@tx402/testing/faults'
import type { Address } from 'viem'
import { evmChain } from './evmChain.js'
import type { EvmChainOptions } from './resolveOptions.js'

const secret = 'rpc-features-secret-at-least-32-bytes!!'

// ethereum/execution-apis #879: Nethermind and reth answer `null` for a head they do not keep,
// Besu and Erigon -39001 Unknown block. Before, ready() and health() said ok and every payment
// then met 503 until the payer gave up.
describe('ready() asks the RPC everything verification will ask (anvil behind a partial RPC)', function () {
  this.timeout(60_000)
  let node: AnvilNode
  let token: Address
  const proxies: PartialRpc[] = []

  before(async () => {
    node = await startAnvil({ chainId: 8453 })
    token = await deployTestToken(node)
  })
  afterEach(async () => {
    await Promise.all(proxies.splice(0).map((proxy) => proxy.close()))
  })
  after(() => node.stop())

  const through = async (lacks: PartialRpcOptions) => {
    const proxy = await partialRpc(node.rpcUrl, lacks)
    proxies.push(proxy)
    return proxy
  }

  const route = (rpcUrl: string, options: Partial<EvmChainOptions> = {}) =>
    paymentRequired({
      price: '0.01',
      asset: options.assets?.[0]?.symbol ?? 'USDC',
      chains: [
        evmChain({
          name: 'base',
          network: 'eip155:8453',
          rpcUrls: [rpcUrl],
          retryCount: 0,
          timeoutMs: 5_000,
          payTo: node.accounts[9]!.address,
          assets: [{ standard: 'erc20', address: token, symbol: 'USDC', decimals: 6 }],
          ...options,
        }),
      ],
      ledger: memoryLedger(),
      secret,
    })

  for (const answer of ['null', 'unknown-block'] as const) {
    it(`fails naming the "safe" tag when eth_getBlockByNumber("safe") answers ${answer}`, async () => {
      const proxy = await through({ missingTags: { safe: answer } })
      const paid = route(proxy.url, { finality: 'safe' })
      await assert.rejects(paid.ready(), (error: Error) => {
        assert.ok(error instanceof ConfigurationError)
        assert.match(error.message, /- base \(eip155:8453\):/)
        assert.match(error.message, /eth_getBlockByNumber\("safe"\)/)
        assert.match(error.message, /finality 'safe'/)
        assert.doesNotMatch(error.message, new RegExp(new URL(proxy.url).port))
        return true
      })
      const health = await paid.health()
      assert.equal(health.ok, false)
      assert.match(health.chains[0]!.error ?? '', /eth_getBlockByNumber\("safe"\)/)
      assert.ok(proxy.refused.includes('eth_getBlockByNumber(safe)'))
    })
  }

  it('fails naming "finalized" for finality finalized, and passes at latest on the same RPC', async () => {
    const proxy = await through({ missingTags: { safe: 'null', finalized: 'unknown-block' } })
    await assert.rejects(
      route(proxy.url, { finality: 'finalized' }).ready(),
      /eth_getBlockByNumber\("finalized"\)/,
    )
    const latest = route(proxy.url)
    await latest.ready()
    assert.equal((await latest.health()).ok, true)
  })

  it('passes on anvil itself, which keeps safe and finalized heads', async () => {
    for (const finality of ['safe', 'finalized'] as const) {
      const paid = route(node.rpcUrl, { finality })
      await paid.ready()
      assert.equal((await paid.health()).ok, true)
    }
  })

  it('fails naming the receipts method when the RPC does not serve it', async () => {
    const proxy = await through({ unsupported: (method) => method === 'eth_getTransactionReceipt' })
    await assert.rejects(
      route(proxy.url).ready(),
      /lacks what verification needs: eth_getTransactionReceipt/,
    )
  })

  it('health() finds a tag the RPC stopped serving after ready() passed', async () => {
    let lacking = false
    const proxy = await through({
      missingTags: new Proxy(
        {},
        { get: (_, tag) => (lacking && tag === 'safe' ? 'null' : undefined) },
      ),
    })
    const paid = route(proxy.url, { finality: 'safe' })
    await paid.ready()
    lacking = true
    const health = await paid.health()
    assert.equal(health.ok, false)
    assert.match(health.chains[0]!.error ?? '', /"safe"/)
  })

  describe('native coin through contract wallets (internalTransfers)', () => {
    const native = { assets: [{ standard: 'native' as const, symbol: 'ETH', decimals: 18 }] }
    /** The plugin asking for ETH on `rpcUrl`, without the route: what acceptsFields is read from. */
    const nativeChain = (rpcUrl: string, options: Partial<EvmChainOptions> = {}) =>
      evmChain({
        name: 'base',
        network: 'eip155:8453',
        rpcUrls: [rpcUrl],
        payTo: node.accounts[9]!.address,
        ...native,
        ...options,
      })
    const noTracing: PartialRpcOptions = { unsupported: (method) => /^(debug|trace)_/.test(method) }

    it("'required' fails naming both tracing methods when the RPC offers neither", async () => {
      const proxy = await through(noTracing)
      await assert.rejects(
        route(proxy.url, { ...native, internalTransfers: 'required' }).ready(),
        /debug_traceTransaction \(callTracer\) or trace_transaction/,
      )
    })

    it("'auto' passes without tracing, and the 402's native entry says top-level", async () => {
      const proxy = await through(noTracing)
      const chain = nativeChain(proxy.url)
      await chain.ready()
      const requirement = {
        asset: native.assets[0]!,
        amount: 1n,
        payTo: chain.payTo,
        maxAgeSeconds: 900,
      }
      const challenge = { id: 'c', issuedAt: 0, reference: new Uint8Array(32) }
      assert.equal(chain.acceptsFields(challenge, requirement).nativeTransfer, 'top-level')
      // The same plugin on anvil itself, which traces: no such restriction.
      const tracing = nativeChain(node.rpcUrl)
      await tracing.ready()
      assert.equal(tracing.acceptsFields(challenge, requirement).nativeTransfer, undefined)
      const offTracing = nativeChain(node.rpcUrl, { internalTransfers: 'off' })
      await offTracing.ready()
      assert.equal(offTracing.acceptsFields(challenge, requirement).nativeTransfer, 'top-level')
    })

    it('refuses at setup an internalTransfers other than auto, required or off', () => {
      assert.throws(
        () => nativeChain(node.rpcUrl, { internalTransfers: 'always' as never }),
        (error: Error) =>
          error instanceof ConfigurationError && /internalTransfers must be/.test(error.message),
      )
    })

    it('falls back to trace_transaction when debug_traceTransaction is missing', async () => {
      const proxy = await through({ unsupported: (method) => method.startsWith('debug_') })
      const paid = route(proxy.url, { ...native, internalTransfers: 'required' })
      await paid.ready()
    })
  })
})
