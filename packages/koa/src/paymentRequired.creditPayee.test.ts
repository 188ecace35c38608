import assert from 'node:assert/strict'
import { once } from 'node:events'
import type { AddressInfo, Server } from 'node:net'
import Router from '@koa/router'
import { decodeBase64Json, memoryLedger, type PaymentCredit } from '@tx402/core'
import { type ScriptedChain, scriptedChain } from '@tx402/core/testing'
import Koa from 'koa'
import { paymentRequired } from './paymentRequired.js'
import { errorOf, eventually, hash, secret, silent } from './test/paidServer.js'

// A marketplace (docs/protocol.md section 7): two route groups on one server, ledger and secret,
// same default scope, network and asset, paying two different wallets. Credit bought from one
// payee is that payee's: it is neither spent at nor topped up by the other.
describe('@tx402/koa keeps prepaid credit to the payee it was bought from', () => {
  const ledger = memoryLedger()
  const chainA = scriptedChain({ payTo: `0x${'a1'.repeat(20)}` })
  const chainB = scriptedChain({ payTo: `0x${'b2'.repeat(20)}` })
  let server: Server
  let url: string

  before(async () => {
    const app = new Koa()
    app.silent = true
    const router = new Router()
    const credit = { packs: ['0.10'] }
    for (const [path, chain] of [
      ['/a', chainA],
      ['/b', chainB],
    ] as const) {
      const route = paymentRequired({
        price: '0.01',
        asset: 'USDC',
        chains: [chain.plugin],
        secret,
        logger: silent,
        ledger,
        credit,
      })
      router.get(path, route, (ctx) => {
        ctx.body = { ok: true }
      })
    }
    app.use(router.routes())
    server = app.listen(0, '127.0.0.1')
    await once(server, 'listening')
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  after(() => {
    server.close()
  })

  let next = 1
  const get = (path: string, headers: Record<string, string>) => fetch(`${url}${path}`, { headers })
  const buy = async (path: string, chain: ScriptedChain, headers: Record<string, string> = {}) => {
    const tx = hash(next++)
    chain.pay(tx, 100_000n)
    const response = await get(path, {
      'x-payment-tx': tx,
      'x-payment-chain': 'testnet',
      ...headers,
    })
    return { tx, response }
  }
  const tokenOf = (response: Response) =>
    decodeBase64Json<PaymentCredit>(response.headers.get('payment-credit') ?? '').token
  // The balance id is inside the token; reading it is for this test only.
  const remaining = async (token: string) => {
    const id = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString())[0] as string
    return (await ledger.credit!.find(id))?.remaining
  }

  it('refuses credit_invalid a token bought at A on a route paying B, spending nothing', async () => {
    const atA = await buy('/a', chainA)
    assert.equal(atA.response.status, 200)
    const tokenA = tokenOf(atA.response)
    const atB = await buy('/b', chainB)
    assert.equal(atB.response.status, 200)
    const tokenB = tokenOf(atB.response)
    // The grant lands with the commit, after the response is sent.
    await eventually(async () => (await remaining(tokenA)) === 90_000n)
    await eventually(async () => (await remaining(tokenB)) === 90_000n)

    const refused = await get('/b', { 'x-payment-credit': tokenA })
    assert.equal(refused.status, 402)
    assert.equal(await errorOf(refused), 'credit_invalid')
    assert.equal(await remaining(tokenA), 90_000n, "A's balance is not spent at B")
    assert.equal(await remaining(tokenB), 90_000n, "B's balance is untouched")
    assert.equal((await get('/a', { 'x-payment-credit': tokenA })).status, 200, 'A still spends it')
  })

  it('refuses credit_invalid a top-up paid to B onto a balance opened at A, consuming nothing', async () => {
    const tokenA = tokenOf((await buy('/a', chainA)).response)
    await eventually(async () => (await remaining(tokenA)) === 90_000n)
    const topUp = await buy('/b', chainB, { 'x-payment-credit': tokenA })
    assert.equal(topUp.response.status, 402)
    assert.equal(await errorOf(topUp.response), 'credit_invalid')
    assert.equal(await remaining(tokenA), 90_000n)
    // The payment was not consumed: presented again without the token, it buys at B.
    const again = await get('/b', { 'x-payment-tx': topUp.tx, 'x-payment-chain': 'testnet' })
    assert.equal(again.status, 200)
    await eventually(async () => (await remaining(tokenOf(again))) === 90_000n)
  })
})
