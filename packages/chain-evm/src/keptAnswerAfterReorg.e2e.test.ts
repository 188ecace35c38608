import assert from 'node:assert/strict'
import type { AddressInfo } from 'node:net'
import Router from '@koa/router'
import { memoryLedger, proofMessage } from '@tx402/core'
import { paymentRequired } from '@tx402/koa'
import { type AnvilNode, deployTestToken, startAnvil, testTokenAbi } from '@tx402/testing/evm'
import Koa from 'koa'
import type { Address, Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { evmChain } from './evmChain.js'

// The engine keeps a confirmed chain answer 5 s for identical lookups (sharedLookups.ts), so a
// burst of one payment asks the chain once. With finality 'latest' (the default) a confirmed
// transaction can still be dropped by a reorg. A payment whose response failed is released and
// presented again: the chain must be asked again, not answered from the kept report.
describe('a released payment presented again after a reorg dropped it', function () {
  this.timeout(60_000)
  let node: AnvilNode
  let server: ReturnType<Koa['listen']>
  let url: string
  let token: Address
  let fail = true

  before(async () => {
    node = await startAnvil({ chainId: 8453 })
    token = await deployTestToken(node, { mint: [[node.accounts[1]!.address, 5_000_000n]] })
    const chain = evmChain({
      name: 'base',
      network: 'eip155:8453',
      rpcUrls: [node.rpcUrl],
      retryCount: 0,
      payTo: node.accounts[9]!.address,
      assets: [{ standard: 'erc20', address: token, symbol: 'USDC', decimals: 6 }],
    })
    await chain.ready()
    const router = new Router()
    router.get(
      '/api/weather',
      paymentRequired({
        price: '0.01',
        chains: [chain],
        ledger: memoryLedger(),
        secret: 'kept-answer-reorg-secret-of-32-bytes-at-least',
        logger: { info() {}, warn() {}, error() {} },
      }),
      (ctx) => {
        // The first time, the route fails: the payment is released, not charged.
        ctx.status = fail ? 500 : 200
        ctx.body = { forecast: 'sunny' }
      },
    )
    const app = new Koa()
    app.silent = true
    app.use(router.routes())
    server = app.listen(0, '127.0.0.1')
    await new Promise((resolve) => server.once('listening', resolve))
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/weather`
  })
  after(async () => {
    await new Promise((resolve) => server?.close(resolve))
    await node?.stop()
  })

  it('is refused: the transaction is no longer on chain', async () => {
    const before = await node.testClient.snapshot()
    const hash: Hex = await node.wallet(1).writeContract({
      address: token,
      abi: testTokenAbi,
      functionName: 'transfer',
      args: [node.accounts[9]!.address, 10_000n],
    })
    await node.publicClient.waitForTransactionReceipt({ hash, pollingInterval: 20 })
    const headers = {
      'x-payment-tx': hash,
      'x-payment-chain': 'base',
      'x-payment-proof': await privateKeyToAccount(node.accounts[1]!.privateKey).signMessage({
        message: proofMessage({ network: 'eip155:8453', txId: hash }),
      }),
    }
    const failed = await fetch(url, { headers })
    assert.equal(failed.status, 500)
    await failed.arrayBuffer()

    // The block holding the payment is reorganized away; the chain goes on without it.
    await node.testClient.revert({ id: before })
    await node.testClient.mine({ blocks: 3 })
    await assert.rejects(node.publicClient.getTransactionReceipt({ hash }))

    fail = false
    let retried = await fetch(url, { headers })
    // The release may still be landing (409 payment_in_progress): ask again.
    for (let i = 0; retried.status === 409 && i < 20; i++) {
      await retried.arrayBuffer()
      await new Promise((resolve) => setTimeout(resolve, 50))
      retried = await fetch(url, { headers })
    }
    const body = (await retried.json()) as { error?: string }
    assert.notEqual(retried.status, 200, 'served on a transaction the chain no longer has')
    assert.equal(body.error, 'tx_not_found')
  })
})
