import assert from 'node:assert/strict'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import Router from '@koa/router'
import { PublicKey } from '@solana/web3.js'
import {
  decodeBase64Json,
  memoryLedger,
  type PaymentRequiredBody,
  type PaymentResponse,
} from '@tx402/core'
import { paymentRequired } from '@tx402/koa'
import { sendTransfer } from '@tx402/testing/solana'
import Koa from 'koa'
import { type LocalChain, startLocalChain } from './test/localChain.js'

describe('a Koa API paid in SPL tokens on Solana, end to end', () => {
  let chain: LocalChain
  let server: Server
  let url: string

  before(async () => {
    chain = await startLocalChain()
    const router = new Router()
    const plugin = chain.plugin({ timeoutMs: 300 })
    const options = {
      price: '0.01',
      asset: 'USDC',
      chains: [plugin],
      ledger: memoryLedger(),
      secret: 'solana-koa-e2e-secret-at-least-32-bytes',
      logger: { info() {}, warn() {}, error() {} },
      // Re-delivery off: every replay, even the payer's own, is refused.
      redeliveryWindowSeconds: 0,
    }
    const weather = (ctx: Koa.Context) => {
      ctx.body = { forecast: 'sunny', paidBy: ctx.state.payment?.payer }
    }
    router.get('/api/weather', paymentRequired(options), weather)
    router.get('/api/unbound', paymentRequired({ ...options, binding: 'none' }), weather)
    const app = new Koa().use(router.routes())
    server = app.listen(0, '127.0.0.1')
    await new Promise((resolve) => server.once('listening', resolve))
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/weather`
  })
  after(async () => {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
    await chain.stop()
  })

  // The payer's wallet: pays exactly what accepts says, with the challenge's reference.
  const pay = async (body: PaymentRequiredBody) => {
    const accept = body.accepts.find((a) => a.network === chain.rpc.network)
    assert.ok(accept?.reference && accept.asset.standard === 'spl')
    const txId = await sendTransfer(chain.connection, {
      payer: chain.payer,
      to: new PublicKey(accept.payTo),
      mint: new PublicKey(accept.asset.mint),
      amount: BigInt(accept.amount),
      reference: new PublicKey(accept.reference),
    })
    const headers = {
      'x-payment-tx': txId,
      'x-payment-chain': accept.chain,
      'x-payment-challenge': body.challenge.id,
    }
    return { txId, headers }
  }

  it('answers 402, takes a Keypair’s transferChecked with the reference, serves 200 once', async () => {
    const challenge = await fetch(url)
    assert.equal(challenge.status, 402)
    const body = (await challenge.json()) as PaymentRequiredBody
    assert.deepEqual(decodeBase64Json(challenge.headers.get('payment-required')!), body)
    const accept = body.accepts.find((a) => a.network === chain.rpc.network)
    assert.ok(accept?.reference && accept.asset.standard === 'spl')
    assert.equal(accept.amount, '10000')
    assert.equal(accept.payTo, chain.payTo.toBase58())

    const { txId, headers } = await pay(body)

    const paid = await fetch(url, { headers })
    assert.equal(paid.status, 200)
    assert.deepEqual(await paid.json(), {
      forecast: 'sunny',
      paidBy: chain.payer.publicKey.toBase58(),
    })
    const receipt = decodeBase64Json<PaymentResponse>(paid.headers.get('payment-response')!)
    assert.equal(receipt.success, true)
    assert.equal(receipt.network, chain.rpc.network)
    assert.equal(receipt.transaction, txId)
    assert.equal(receipt.amount, '10000')

    // The payer's own headers again (re-delivery is off on this route; the signature alone is
    // challenge_invalid under the default binding, tested below).
    const replay = await fetch(url, { headers })
    assert.equal(replay.status, 402)
    assert.equal(((await replay.json()) as PaymentRequiredBody).error, 'tx_already_used')
  })

  it('refuses a third party presenting a payer’s signature under the defaults, and serves the payer once', async () => {
    const { txId, headers } = await pay((await (await fetch(url)).json()) as PaymentRequiredBody)
    // The observer saw the signature on chain; the challenge went to the payer only.
    const observed = await fetch(url, {
      headers: { 'x-payment-tx': txId, 'x-payment-chain': headers['x-payment-chain'] },
    })
    assert.equal(observed.status, 402)
    const refusal = (await observed.json()) as PaymentRequiredBody
    assert.equal(refusal.error, 'challenge_invalid')
    assert.match(refusal.message, /x-payment-challenge/)
    // A challenge of its own does not help: the transaction carries the payer's reference.
    const own = (await (await fetch(url)).json()) as PaymentRequiredBody
    const withOwn = await fetch(url, {
      headers: { ...headers, 'x-payment-challenge': own.challenge.id },
    })
    assert.equal(((await withOwn.json()) as PaymentRequiredBody).error, 'challenge_invalid')

    const paid = await fetch(url, { headers })
    assert.equal(paid.status, 200)
    assert.equal(
      ((await paid.json()) as { paidBy: string }).paidBy,
      chain.payer.publicKey.toBase58(),
    )
    const replay = await fetch(url, { headers })
    assert.equal(((await replay.json()) as PaymentRequiredBody).error, 'tx_already_used')
  })

  it("restores today's unbound behaviour with binding: 'none' (the observer is served)", async () => {
    const unbound = url.replace('/api/weather', '/api/unbound')
    const { txId, headers } = await pay(
      (await (await fetch(unbound)).json()) as PaymentRequiredBody,
    )
    const observed = await fetch(unbound, {
      headers: { 'x-payment-tx': txId, 'x-payment-chain': headers['x-payment-chain'] },
    })
    assert.equal(observed.status, 200)
    const payer = await fetch(unbound, { headers })
    assert.equal(((await payer.json()) as PaymentRequiredBody).error, 'tx_already_used')
  })

  it('answers 503 while the RPC hangs, consumes nothing, and serves the same headers later', async () => {
    const { headers } = await pay((await (await fetch(url)).json()) as PaymentRequiredBody)
    chain.rpc.stall(true)
    let unavailable: Response
    try {
      unavailable = await fetch(url, { headers })
    } finally {
      chain.rpc.stall(false)
    }
    assert.equal(unavailable.status, 503)
    assert.ok(unavailable.headers.get('retry-after'))
    const text = await unavailable.text()
    assert.equal(JSON.parse(text).error, 'verifier_unavailable')
    assert.ok(!text.includes('127.0.0.1'))
    assert.equal((await fetch(url, { headers })).status, 200)
  })
})
