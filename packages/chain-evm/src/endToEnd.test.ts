import assert from 'node:assert/strict'
import type { AddressInfo } from 'node:net'
import Router from '@koa/router'
import {
  decodeBase64Json,
  memoryLedger,
  type PaymentRequiredBody,
  type PaymentResponse,
  proofMessage,
} from '@tx402/core'
import { paymentRequired } from '@tx402/koa'
import {
  type AnvilNode,
  deployTestToken,
  forwardJsonRpc,
  type JsonRpcServer,
  serveJsonRpc,
  startAnvil,
  testTokenAbi,
} from '@tx402/testing/evm'
import Koa from 'koa'
import type { Address } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { evmChain } from './evmChain.js'

const secret = 'end-to-end-secret-of-at-least-32-bytes!'
const silent = { info() {}, warn() {}, error() {} }

describe('a Koa route paid on anvil, end to end', function () {
  this.timeout(60_000)
  let node: AnvilNode
  let server: ReturnType<Koa['listen']>
  let url: string
  let token: Address
  let rpc: JsonRpcServer
  let rpcDown = false
  const ledger = memoryLedger()

  before(async () => {
    node = await startAnvil({ chainId: 8453 })
    const payer = node.accounts[1]!.address
    token = await deployTestToken(node, { mint: [[payer, 5_000_000n]] })
    // The app reaches anvil through a loopback proxy that a test can take down.
    rpc = await serveJsonRpc(forwardJsonRpc(node.rpcUrl, { refuse: () => rpcDown }))
    const chain = evmChain({
      name: 'base',
      network: 'eip155:8453',
      rpcUrls: [rpc.url],
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
        ledger,
        secret,
        logger: silent,
        // Re-delivery off: every replay, even the payer's own, is refused.
        redeliveryWindowSeconds: 0,
      }),
      (ctx) => {
        ctx.body = { forecast: 'sunny', paidBy: ctx.state.payment?.payer }
      },
    )
    const app = new Koa()
    app.silent = true
    app.use(router.routes())
    server = app.listen(0, '127.0.0.1')
    await new Promise((resolve) => server.once('listening', resolve))
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/weather`
  })
  /** The payment headers with the payer's proof, as the default binding asks. */
  const signed = async (hash: `0x${string}`) => ({
    'x-payment-tx': hash,
    'x-payment-chain': 'base',
    'x-payment-proof': await privateKeyToAccount(node.accounts[1]!.privateKey).signMessage({
      message: proofMessage({ network: 'eip155:8453', txId: hash }),
    }),
  })
  /** The payer (dev account 1) sends `amount` of the test token to `to` and waits for it. */
  const payToken = async (to: Address, amount: bigint, address = token) => {
    const hash = await node.wallet(1).writeContract({
      address,
      abi: testTokenAbi,
      functionName: 'transfer',
      args: [to, amount],
    })
    await node.publicClient.waitForTransactionReceipt({ hash, pollingInterval: 20 })
    return hash
  }

  after(async () => {
    await new Promise((resolve) => server?.close(resolve))
    await rpc?.close()
    await node?.stop()
  })

  it('serves the retry after a wallet pays per accepts, and refuses every replay', async () => {
    const challenge = await fetch(url)
    assert.equal(challenge.status, 402)
    const body = (await challenge.json()) as PaymentRequiredBody
    const offer = body.accepts[0]!
    assert.equal(offer.network, 'eip155:8453')
    assert.equal(offer.amount, '10000')
    assert.equal(offer.minConfirmations, 1)
    assert.ok(offer.asset.standard === 'erc20' && offer.asset.address === token)

    // The payer acts only on what the 402 said.
    const hash = await payToken(
      offer.payTo as Address,
      BigInt(offer.amount),
      offer.asset.address as Address,
    )
    const signer = privateKeyToAccount(node.accounts[1]!.privateKey)
    const proof = await signer.signMessage({
      message: proofMessage({ network: offer.network, txId: hash, challengeId: body.challenge.id }),
    })
    const headers = {
      'x-payment-tx': hash,
      'x-payment-chain': offer.chain,
      'x-payment-challenge': body.challenge.id,
      'x-payment-proof': proof,
    }

    const paid = await fetch(url, { headers })
    assert.equal(paid.status, 200)
    assert.deepEqual(await paid.json(), { forecast: 'sunny', paidBy: signer.address })
    const receipt = decodeBase64Json(paid.headers.get('payment-response')!) as PaymentResponse
    assert.deepEqual(receipt, {
      success: true,
      network: 'eip155:8453',
      chain: 'base',
      transaction: hash,
      payer: signer.address,
      asset: offer.asset,
      amount: '10000',
    })
    assert.equal(ledger.records().length, 1)

    // The payer's own headers again (re-delivery is off on this route; the hash alone is
    // proof_invalid under the default binding, see paymentIdentity.e2e.test.ts).
    const replays = [
      headers,
      // Another spelling of the same hash, under the network id instead of the chain name.
      { ...headers, 'x-payment-tx': hash.slice(2).toUpperCase(), 'x-payment-chain': 'EIP155:8453' },
    ]
    for (const replay of replays) {
      const refused = await fetch(url, { headers: replay })
      assert.equal(refused.status, 402)
      assert.equal(((await refused.json()) as { error: string }).error, 'tx_already_used')
      assert.equal(refused.headers.get('payment-response'), null)
    }
    assert.equal(ledger.records().length, 1)
  })

  it('answers 402 with the reason for a transfer that does not pay, and serves nothing', async () => {
    const hash = await payToken(node.accounts[9]!.address, 9_999n)
    const response = await fetch(url, { headers: await signed(hash) })
    assert.equal(response.status, 402)
    assert.equal(((await response.json()) as { error: string }).error, 'insufficient_amount')
  })

  it('answers 503 while the RPC fails, consumes nothing, and serves the same headers after', async () => {
    const hash = await payToken(node.accounts[9]!.address, 10_000n)
    const headers = await signed(hash)
    rpcDown = true
    try {
      const unavailable = await fetch(url, { headers })
      assert.equal(unavailable.status, 503)
      assert.equal(unavailable.headers.get('retry-after'), '2')
      const body = (await unavailable.json()) as { error: string; message: string }
      assert.equal(body.error, 'verifier_unavailable')
      assert.ok(!JSON.stringify(body).includes(rpc.url))
    } finally {
      rpcDown = false
    }
    const served = await fetch(url, { headers })
    assert.equal(served.status, 200)
  })
})
