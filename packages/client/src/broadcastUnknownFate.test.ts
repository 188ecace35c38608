import assert from 'node:assert/strict'
import { forwardJsonRpc, JsonRpcError, type JsonRpcServer, serveJsonRpc } from '@tx402/testing/evm'
import { createPublicClient, http } from 'viem'
import { callPaidEndpoint } from './callPaidEndpoint.js'
import { evmPayer } from './evm/evmPayer.js'
import { memoryJournal } from './journal/memoryJournal.js'
import { type EvmEnv, startEvmEnv, usdcOnAnvil } from './test/evmEnv.js'
import { type PaidApp, paymentResponse, startPaidApp } from './test/paidApp.js'

/**
 * A node that took the signed bytes yet answered an error (a load balancer's second backend
 * saying "already known"), and then failed the status check that followed: the payment's fate is
 * unknown, and the transaction is on its way to a block. Taking that for "the node refused it,
 * nothing was paid" dropped the journal entry and the next call paid a second time.
 */
describe('a refused broadcast whose status cannot be read keeps the payment (anvil, flaky RPC)', function () {
  this.timeout(60_000)
  let env: EvmEnv
  let proxy: JsonRpcServer | undefined
  let app: PaidApp | undefined

  before(async () => {
    env = await startEvmEnv(8453)
  })
  after(async () => {
    await app?.stop()
    await proxy?.close()
    await env?.stop()
  })

  it('the next call presents the same transaction: one transfer, served once', async () => {
    const forward = forwardJsonRpc(env.node.rpcUrl)
    let failReads = 0
    let misanswered = false
    proxy = await serveJsonRpc(async (method, params) => {
      if (method === 'eth_sendRawTransaction' && !misanswered) {
        misanswered = true
        await forward(method, params)
        // The bytes reached the node; the answer says otherwise, and the next read fails.
        failReads = 1
        throw new JsonRpcError(-32000, 'already known')
      }
      if (failReads > 0 && method !== 'eth_chainId') {
        failReads--
        throw new JsonRpcError(-32603, 'upstream unavailable')
      }
      return forward(method, params)
    })
    const payTo = env.freshPayTo()
    app = await startPaidApp({
      chains: [usdcOnAnvil(env, payTo)],
    })
    const payer = evmPayer({
      walletClient: env.walletClient,
      publicClient: createPublicClient({
        chain: env.node.chain,
        transport: http(proxy.url, { retryCount: 0 }),
        pollingInterval: 50,
      }),
      assets: [{ address: env.usdc, symbol: 'USDC', decimals: 6 }],
    })
    const journal = memoryJournal()
    const options = { payers: [payer], journal }
    // The first call cannot tell what became of its payment: an error, the entry kept.
    await assert.rejects(callPaidEndpoint(app.url, {}, options))
    const keptAfterFirstCall = (await journal.list()).length
    const response = await callPaidEndpoint(app.url, {}, options)
    assert.equal(response.status, 200)
    const transfers = await env.transfersTo(payTo)
    assert.deepEqual(
      transfers.map((transfer) => transfer.transactionHash),
      [paymentResponse(response.headers).transaction],
      'one transfer, the one served',
    )
    assert.equal(keptAfterFirstCall, 1, 'the payment stayed journaled after the first call')
  })
})
