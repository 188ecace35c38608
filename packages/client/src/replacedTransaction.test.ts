import assert from 'node:assert/strict'
import { forwardJsonRpc, JsonRpcError, serveJsonRpc } from '@tx402/testing/evm'
import { createPublicClient, type Hash, http } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { callPaidEndpoint } from './callPaidEndpoint.js'
import { PaymentTimeoutError } from './errors.js'
import { evmPayer } from './evm/evmPayer.js'
import { memoryJournal } from './journal/memoryJournal.js'
import type { PaymentJournal } from './journal/types.js'
import { sleep } from './retryDelay.js'
import { type BrowserWalletEnv, startBrowserWalletEnv } from './test/browserWalletEnv.js'
import { usdcOnAnvil } from './test/evmEnv.js'
import { type PaidApp, paymentResponse, startPaidApp } from './test/paidApp.js'

describe("a wallet's speed-up of a journaled payment is presented, never paid again (anvil, JSON-RPC wallet)", function () {
  this.timeout(180_000)
  let env: BrowserWalletEnv
  const apps: PaidApp[] = []

  before(async () => {
    env = await startBrowserWalletEnv()
  })
  afterEach(async () => {
    await env?.stopMining()
    await Promise.all(apps.splice(0).map((app) => app.stop()))
  })
  after(async () => {
    await env?.stop()
  })

  /** A paid route to a fresh `payTo`, asking for a proof: the replacement is bound by its own. */
  const serve = async () => {
    const payTo = privateKeyToAccount(generatePrivateKey()).address
    const app = await startPaidApp({
      requireProof: true,
      chains: [usdcOnAnvil(env, payTo)],
    })
    apps.push(app)
    return { app, payTo }
  }
  const pay = (url: string, journal: PaymentJournal, timeoutMs: number) =>
    callPaidEndpoint(url, {}, { payers: [env.payer], journal, timeoutMs })
  /** The journaled transaction, once the wallet returned it. */
  const journaledTx = async (journal: PaymentJournal): Promise<Hash> => {
    for (;;) {
      const [entry] = await journal.list()
      if (entry?.state === 'broadcast') return entry.payment.txId as Hash
      await sleep(20)
    }
  }

  it('serves the next call with the sped-up transaction after the first timed out: one transfer', async () => {
    const { app, payTo } = await serve()
    const journal = memoryJournal()
    // Call 1: nothing is mined, so it gives up with the payment journaled.
    const timedOut = await pay(app.url, journal, 2_000).catch((e: unknown) => e)
    assert.ok(timedOut instanceof PaymentTimeoutError, String(timedOut))
    const [entry] = await journal.list()
    const original = entry!.payment.txId as Hash
    assert.equal(timedOut.txId, original)

    const replacement = await env.speedUp(original)
    assert.notEqual(replacement, original)
    env.startMining()

    // Call 2 finds the original unknown and its nonce used, by the same transfer: presents it.
    const response = await pay(app.url, journal, 30_000)
    assert.equal(response.status, 200)
    assert.equal(paymentResponse(response.headers).transaction, replacement)
    assert.deepEqual(await env.transfersTo(payTo), [replacement])
    assert.deepEqual(await journal.list(), [])
  })

  it("finds the speed-up by a search over blocks where the payer's RPC lacks eth_getTransactionBySenderAndNonce", async () => {
    const { app, payTo } = await serve()
    // The payer reads the chain through an RPC without the sender-and-nonce lookup (-32601).
    const forward = forwardJsonRpc(env.node.rpcUrl)
    const rpc = await serveJsonRpc((method, params) => {
      if (method === 'eth_getTransactionBySenderAndNonce') {
        throw new JsonRpcError(-32601, `the method ${method} does not exist/is not available`)
      }
      return forward(method, params)
    })
    try {
      const publicClient = createPublicClient({
        chain: env.node.chain,
        transport: http(rpc.url, { retryCount: 0 }),
        pollingInterval: 50,
      })
      const payer = evmPayer({
        walletClient: env.walletClient,
        publicClient,
        assets: [{ address: env.usdc, symbol: 'USDC', decimals: 6 }],
      })
      const journal = memoryJournal()
      const options = { payers: [payer], journal }
      const timedOut = await callPaidEndpoint(app.url, {}, { ...options, timeoutMs: 2_000 }).catch(
        (e: unknown) => e,
      )
      assert.ok(timedOut instanceof PaymentTimeoutError, String(timedOut))
      const replacement = await env.speedUp(timedOut.txId as Hash)
      // Later blocks, so the search has more than one to look through.
      await env.node.testClient.mine({ blocks: 5 })
      env.startMining()
      const response = await callPaidEndpoint(app.url, {}, { ...options, timeoutMs: 30_000 })
      assert.equal(response.status, 200)
      const presented = paymentResponse(response.headers).transaction
      const onChain = await env.transfersTo(payTo)
      assert.deepEqual({ presented, onChain }, { presented: replacement, onChain: [replacement] })
      assert.ok(rpc.requests.flat().includes('eth_getTransactionBySenderAndNonce'))
    } finally {
      await rpc.close()
    }
  })

  it('pays afresh when the wallet cancelled the payment (its nonce used by another transaction)', async () => {
    const { app, payTo } = await serve()
    const journal = memoryJournal()
    const timedOut = await pay(app.url, journal, 2_000).catch((e: unknown) => e)
    assert.ok(timedOut instanceof PaymentTimeoutError, String(timedOut))
    const original = timedOut.txId as Hash
    // A wallet's "cancel": a 0-value self-transfer at the same nonce, higher fees.
    const sent = await env.publicClient.getTransaction({ hash: original })
    await env.walletClient.sendTransaction({
      account: env.wallet,
      chain: env.node.chain,
      to: env.wallet,
      value: 0n,
      nonce: sent.nonce,
      maxFeePerGas: sent.maxFeePerGas! * 2n,
      maxPriorityFeePerGas: sent.maxPriorityFeePerGas! * 2n + 1n,
    })
    env.startMining()
    const response = await pay(app.url, journal, 30_000)
    assert.equal(response.status, 200)
    const { transaction } = paymentResponse(response.headers)
    assert.notEqual(transaction, original)
    assert.deepEqual(await env.transfersTo(payTo), [transaction])
  })

  it('under random timing of the speed-up, the timeout and the mining, 20 runs: served, never paid twice', async () => {
    for (let run = 0; run < 20; run++) {
      const { app, payTo } = await serve()
      const journal = memoryJournal()
      const first = pay(app.url, journal, 500 + Math.floor(Math.random() * 2_500)).catch(
        (e: unknown) => e,
      )
      const original = await journaledTx(journal)
      await sleep(Math.random() * 1_500)
      // Too late when the original was mined first: then the wallet's speed-up is refused.
      if (Math.random() < 0.7) await env.speedUp(original).catch(() => undefined)
      await sleep(Math.random() * 1_500)
      env.startMining()
      let served = await first
      if (!(served instanceof Response)) {
        assert.ok(served instanceof PaymentTimeoutError, `run ${run}: ${String(served)}`)
        served = await pay(app.url, journal, 30_000)
      }
      const response = served as Response
      assert.equal(response.status, 200, `run ${run}`)
      const onChain = await env.transfersTo(payTo)
      assert.deepEqual(onChain, [paymentResponse(response.headers).transaction], `run ${run}`)
      await env.stopMining()
      await Promise.all(apps.splice(0).map((a) => a.stop()))
    }
  })
})
