import assert from 'node:assert/strict'
import { base } from '@tx402/chain-base'
import type { Address } from 'viem'
import { callPaidEndpoint, type PaidFetchOptions } from './callPaidEndpoint.js'
import { PaymentTimeoutError } from './errors.js'
import { memoryJournal } from './journal/memoryJournal.js'
import { type EvmEnv, startEvmEnv } from './test/evmEnv.js'
import { type LaggingRpc, laggingRpc } from './test/laggingRpc.js'
import { type PaidApp, paymentResponse, startPaidApp } from './test/paidApp.js'

describe('callPaidEndpoint pays once per call: lost responses, lagging server RPCs (anvil)', function () {
  this.timeout(60_000)
  let env: EvmEnv
  const apps: PaidApp[] = []
  const rpcs: LaggingRpc[] = []

  before(async () => {
    env = await startEvmEnv(8453)
  })
  after(async () => {
    await Promise.all(
      [...apps, ...rpcs].map((server) => ('stop' in server ? server.stop() : server.close())),
    )
    await env?.stop()
  })

  /** A paid app verifying Base payments to `payTo` through `rpcUrl` (default: the node itself). */
  const serve = async (
    payTo: Address,
    options: { rpcUrl?: string; drop?: Parameters<typeof startPaidApp>[0]['drop'] } = {},
  ) => {
    const chain = base({
      rpcUrl: options.rpcUrl ?? env.node.rpcUrl,
      payTo,
      assets: [{ standard: 'erc20', address: env.usdc, symbol: 'USDC', decimals: 6 }],
    })
    const app = await startPaidApp({
      chains: [chain],
      ...(options.drop ? { drop: options.drop } : {}),
    })
    apps.push(app)
    return app
  }
  const lagging = async (hideMs: number) => {
    const rpc = await laggingRpc(env.node.rpcUrl, hideMs)
    rpcs.push(rpc)
    return rpc
  }
  const pay = (url: string, options: Partial<PaidFetchOptions> = {}) =>
    callPaidEndpoint(url, {}, { payers: [env.payer], journal: memoryJournal(), ...options })
  /** The hashes of the Transfer logs to `payTo`: the payments on chain. */
  const transfers = async (payTo: Address) =>
    (await env.transfersTo(payTo)).map((transfer) => transfer.transactionHash)

  it("is served with one Transfer while the server's RPC hides the payment for 20 s", async function () {
    this.timeout(90_000)
    const rpc = await lagging(20_000)
    const payTo = env.freshPayTo()
    const app = await serve(payTo, { rpcUrl: rpc.url })
    const journal = memoryJournal()
    const response = await pay(app.url, { journal })
    assert.equal(response.status, 200)
    const { transaction } = paymentResponse(response.headers)
    assert.deepEqual(await transfers(payTo), [transaction])
    // The server did not see it at first, and was shown the same transaction every time.
    assert.ok(rpc.hidden > 0)
    const presented = app.presented.filter((tx) => tx !== null)
    assert.ok(presented.length >= 3, `presented ${presented.length} times`)
    assert.ok(presented.every((tx) => tx === transaction))
    assert.deepEqual(await journal.list(), [])
  })

  it('gives up after notFoundWindowMs with the transaction, keeps it journaled, and the next call presents it', async () => {
    const rpc = await lagging(Number.POSITIVE_INFINITY)
    const payTo = env.freshPayTo()
    const app = await serve(payTo, { rpcUrl: rpc.url })
    const journal = memoryJournal()
    const error = await pay(app.url, { journal, notFoundWindowMs: 7_000 }).catch((e: unknown) => e)
    assert.ok(error instanceof PaymentTimeoutError, String(error))
    assert.equal(error.lastCode, 'tx_not_found')
    assert.deepEqual(await transfers(payTo), [error.txId])
    const [kept] = await journal.list()
    assert.equal(kept?.payment.txId, error.txId)
    assert.equal(kept?.state, 'confirmed')

    rpc.reveal()
    const served = await pay(app.url, { journal })
    assert.equal(served.status, 200)
    assert.equal(paymentResponse(served.headers).transaction, error.txId)
    assert.deepEqual(await transfers(payTo), [error.txId])
    assert.deepEqual(await journal.list(), [])
  })

  for (const at of ['before-headers', 'mid-body'] as const) {
    it(`sends the same headers again when the paid response is lost (${at}): one Transfer`, async () => {
      const payTo = env.freshPayTo()
      const app = await serve(payTo, { drop: { count: 1, at } })
      const response = await pay(`${app.origin}/api/dropped`)
      assert.equal(response.status, 200)
      const { transaction } = paymentResponse(response.headers)
      // Received whole: the body reads, with the transaction the route saw.
      assert.deepEqual(await response.json(), { forecast: 'sunny', paidWith: transaction })
      assert.deepEqual(app.presented, [null, transaction, transaction])
      assert.deepEqual(await transfers(payTo), [transaction])
    })
  }

  it('keeps the payment journaled when every attempt loses its response until the deadline', async () => {
    const payTo = env.freshPayTo()
    const app = await serve(payTo, { drop: { count: 1_000, at: 'before-headers' } })
    const journal = memoryJournal()
    const error = await pay(`${app.origin}/api/dropped`, { journal, timeoutMs: 4_000 }).catch(
      (e: unknown) => e,
    )
    assert.ok(error instanceof PaymentTimeoutError, String(error))
    assert.ok(error.cause instanceof Error, 'the last network error is the cause')
    assert.deepEqual(await transfers(payTo), [error.txId])
    const presented = app.presented.filter((tx) => tx !== null)
    assert.ok(presented.length >= 2 && presented.every((tx) => tx === error.txId))
    assert.deepEqual(
      (await journal.list()).map((entry) => entry.payment.txId),
      [error.txId],
    )
  })
})
