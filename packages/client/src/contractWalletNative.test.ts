import assert from 'node:assert/strict'
import { base } from '@tx402/chain-base'
import { decodeBase64Json, type PaymentRequiredBody } from '@tx402/core'
import { type AnvilNode, deploySmartWallet } from '@tx402/testing/evm'
import { type PartialRpc, partialRpc } from '@tx402/testing/faults'
import { type Address, createPublicClient, createWalletClient, http, parseEther } from 'viem'
import { callPaidEndpoint } from './callPaidEndpoint.js'
import { ContractWalletNativeError } from './evm/contractWalletNativeError.js'
import { evmPayer } from './evm/evmPayer.js'
import { memoryJournal } from './journal/memoryJournal.js'
import { type EvmEnv, startEvmEnv } from './test/evmEnv.js'
import { type PaidApp, paymentResponse, startPaidApp } from './test/paidApp.js'
import { smartWalletPayer } from './test/smartWalletPayer.js'

const eth = { standard: 'native' as const, symbol: 'ETH', decimals: 18 }
const price = '0.001'
const priceWei = parseEther(price)

// A route priced in ETH, paid from a contract wallet (Safe / ERC-4337 style `execute(payTo,
// price)`): the ETH reaches payTo in a call inside the transaction. Before, the server read only
// the top-level to/value and answered 402 wrong_asset "Pay again in ETH".
describe('native coin from a contract wallet (anvil, Koa, callPaidEndpoint)', function () {
  this.timeout(60_000)
  let env: EvmEnv
  let node: AnvilNode
  let wallet: Address
  const ownerIndex = 3
  const apps: PaidApp[] = []
  const proxies: PartialRpc[] = []

  before(async () => {
    env = await startEvmEnv(8453)
    node = env.node
    wallet = await deploySmartWallet(node, node.accounts[ownerIndex]!.address)
    const funding = await node
      .wallet(ownerIndex)
      .sendTransaction({ to: wallet, value: parseEther('1') })
    await node.publicClient.waitForTransactionReceipt({ hash: funding })
  })
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.stop()))
    await Promise.all(proxies.splice(0).map((proxy) => proxy.close()))
  })
  after(() => env?.stop())

  const serve = async (rpcUrl: string, payTo: Address) => {
    const chain = base({ rpcUrl, payTo, assets: [eth], confirmations: 1 })
    const app = await startPaidApp({ chains: [chain], price, asset: 'ETH' })
    apps.push(app)
    await chain.ready()
    return app
  }
  const proxy = async (unsupported: (method: string) => boolean) => {
    const rpc = await partialRpc(node.rpcUrl, { unsupported })
    proxies.push(rpc)
    return rpc
  }
  const balance = (address: Address) => node.publicClient.getBalance({ address })
  const challengeOf = async (url: string): Promise<PaymentRequiredBody> => {
    const response = await fetch(url)
    assert.equal(response.status, 402)
    return decodeBase64Json(response.headers.get('payment-required')!) as PaymentRequiredBody
  }

  const tracers = [
    { name: 'debug_traceTransaction (callTracer)', refuses: (_: string) => false },
    { name: 'trace_transaction', refuses: (method: string) => method.startsWith('debug_') },
  ]
  for (const tracer of tracers) {
    it(`serves an execute(payTo, price) once, counted through ${tracer.name}`, async () => {
      const rpc = await proxy(tracer.refuses)
      const payTo = env.freshPayTo()
      const app = await serve(rpc.url, payTo)
      assert.equal((await challengeOf(app.url)).accepts[0]!.nativeTransfer, undefined)
      const payer = smartWalletPayer(node, wallet, ownerIndex)
      const response = await callPaidEndpoint(
        app.url,
        {},
        { payers: [payer], journal: memoryJournal(), maxAmount: { ETH: '0.01' } },
      )
      assert.equal(response.status, 200)
      const receipt = paymentResponse(response.headers)
      assert.equal(receipt.payer, wallet)
      assert.equal(receipt.amount, priceWei.toString())
      assert.deepEqual(payer.sent, [receipt.transaction])
      // Exactly one transfer reached payTo, and the transaction's own value was 0.
      assert.equal(await balance(payTo), priceWei)
      const sent = await node.publicClient.getTransaction({ hash: payer.sent[0]! })
      assert.equal(sent.value, 0n)
      assert.equal(sent.to, wallet.toLowerCase())
      // The same transaction again is at most a re-delivery, never a second service.
      const again = await fetch(app.url, { headers: app.paymentHeaders.at(-1)! })
      if (again.status === 200) assert.equal(paymentResponse(again.headers).redelivered, true)
      assert.equal(await balance(payTo), priceWei)
    })
  }

  it('a health check the provider rate-limits on tracing does not forget the tracer: a payment in flight is served', async () => {
    // The provider rate-limits the tracing methods (-32005) while health() asks again, during
    // the wallet's approval of a payment made under a 402 that promised internal transfers.
    let limited = false
    const rpc = await partialRpc(node.rpcUrl, {
      unsupported: (method) =>
        limited && /^(debug|trace)_/.test(method)
          ? { code: -32005, message: 'limit exceeded' }
          : false,
    })
    proxies.push(rpc)
    const payTo = env.freshPayTo()
    const chain = base({ rpcUrl: rpc.url, payTo, assets: [eth], confirmations: 1 })
    const app = await startPaidApp({ chains: [chain], price, asset: 'ETH' })
    apps.push(app)
    await chain.ready()
    const inner = smartWalletPayer(node, wallet, ownerIndex)
    const payer: typeof inner = {
      ...inner,
      async sign(option, limits) {
        assert.equal(option.nativeTransfer, undefined, 'the 402 counts internal transfers')
        limited = true
        await chain.probe?.()
        limited = false
        return inner.sign(option, limits)
      },
    }
    const response = await callPaidEndpoint(
      app.url,
      {},
      { payers: [payer], journal: memoryJournal(), maxAmount: { ETH: '0.01' } },
    )
    assert.equal(response.status, 200)
    assert.equal(paymentResponse(response.headers).payer, wallet)
    assert.equal(await balance(payTo), priceWei)
    assert.equal(inner.sent.length, 1)
    // The next 402 still counts internal transfers.
    assert.equal((await challengeOf(app.url)).accepts[0]!.nativeTransfer, undefined)
  })

  it('without tracing, the 402 says top-level and the client refuses a contract account before signing', async () => {
    const rpc = await proxy((method) => /^(debug|trace)_/.test(method))
    const payTo = env.freshPayTo()
    const app = await serve(rpc.url, payTo)
    const body = await challengeOf(app.url)
    assert.equal(body.accepts[0]!.nativeTransfer, 'top-level')

    // The contract wallet as a JSON-RPC account (a smart wallet behind EIP-1193).
    const transport = http(node.rpcUrl, { retryCount: 0 })
    const payer = evmPayer({
      walletClient: createWalletClient({ account: wallet, chain: node.chain, transport }),
      publicClient: createPublicClient({ chain: node.chain, transport }),
    })
    const nonceBefore = await node.publicClient.getTransactionCount({ address: wallet })
    const walletBalance = await balance(wallet)
    await assert.rejects(
      callPaidEndpoint(
        app.url,
        {},
        { payers: [payer], journal: memoryJournal(), maxAmount: { ETH: '0.01' } },
      ),
      (error: Error) => {
        assert.ok(error instanceof ContractWalletNativeError, String(error))
        assert.equal(error.account, wallet)
        assert.equal(error.chain, 'base')
        assert.match(error.message, /Nothing was paid/)
        return true
      },
    )
    assert.equal(await balance(payTo), 0n)
    assert.equal(await balance(wallet), walletBalance)
    assert.equal(await node.publicClient.getTransactionCount({ address: wallet }), nonceBefore)
    // Only unpaid requests reached the server.
    assert.deepEqual(app.paymentHeaders, [])

    // An account that signs its own transactions still pays the top-level route, once.
    const response = await callPaidEndpoint(
      app.url,
      {},
      { payers: [env.payer], journal: memoryJournal(), maxAmount: { ETH: '0.01' } },
    )
    assert.equal(response.status, 200)
    assert.equal(await balance(payTo), priceWei)
  })
})
