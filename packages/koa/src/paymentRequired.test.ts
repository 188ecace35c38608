import assert from 'node:assert/strict'
import type { AddressInfo } from 'node:net'
import Router from '@koa/router'
import {
  decodeBase64Json,
  memoryLedger,
  type PaymentRequiredBody,
  type PaymentResponse,
  VerifierUnavailableError,
} from '@tx402/core'
import { type ScriptedChain, scriptedChain } from '@tx402/core/testing'
import Koa from 'koa'
import { paymentRequired } from './paymentRequired.js'

const secret = 'koa-test-secret-at-least-32-bytes-long!!'
const usdc = {
  standard: 'erc20',
  address: '0x00000000000000000000000000000000000000a1',
  symbol: 'USDC',
  decimals: 6,
} as const

const hash = (n: number) => `0x${n.toString(16).padStart(64, '0')}`
let enterSlow!: () => void
const handlerEntered = new Promise<void>((resolve) => {
  enterSlow = resolve
})
let finishSlow!: () => void
const slowDone = new Promise<void>((resolve) => {
  finishSlow = resolve
})

describe('@tx402/koa paymentRequired over HTTP', () => {
  let server: ReturnType<Koa['listen']>
  let url: string
  let chain: ScriptedChain
  let served: number

  before(async () => {
    chain = scriptedChain()
    const ledger = memoryLedger()
    const paid = paymentRequired({
      price: '0.01',
      asset: 'USDC',
      chains: [chain.plugin],
      ledger,
      secret,
      logger: silent,
    })
    const router = new Router()
    router.get('/api/weather', paid, (ctx) => {
      served++
      ctx.body = {
        forecast: 'sunny',
        payer: ctx.state.payment?.payer,
        amount: ctx.state.payment?.amount.toString(),
      }
    })
    router.get('/api/slow', paid, async (ctx) => {
      enterSlow()
      await slowDone
      ctx.body = { slow: true }
    })
    router.get('/api/throws', paid, () => {
      throw new Error('handler failed')
    })
    router.get('/api/missing', paid, (ctx) => {
      ctx.status = 404
      ctx.body = { error: 'not_found' }
    })
    router.get('/api/free', (ctx) => {
      ctx.body = { free: true }
    })
    const app = new Koa()
    app.silent = true
    app.use(router.routes())
    server = app.listen(0, '127.0.0.1')
    await new Promise((resolve) => server.once('listening', resolve))
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  beforeEach(() => {
    served = 0
    chain.calls.length = 0
  })
  after(() => new Promise((resolve) => server.close(resolve)))

  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${url}${path}`, { headers })
  const pay = (path: string, tx: string, extra: Record<string, string> = {}) =>
    get(path, { 'x-payment-tx': tx, 'x-payment-chain': 'testnet', ...extra })

  it('writes the 402 as JSON, uncached, with the same body base64 in PAYMENT-REQUIRED', async () => {
    // The body's content is the engine's (createPaymentEngine.decisions.test.ts); this is the wire.
    const response = await get('/api/weather')
    assert.equal(response.status, 402)
    assert.equal(response.headers.get('content-type'), 'application/json; charset=utf-8')
    assert.equal(response.headers.get('cache-control'), 'no-store')
    const text = await response.text()
    assert.equal(response.headers.get('content-length'), String(Buffer.byteLength(text)))
    const body = JSON.parse(text) as PaymentRequiredBody
    assert.equal(body.error, 'payment_required')
    assert.deepEqual(body.resource, { method: 'GET', path: '/api/weather' })
    // The body's own bytes, in base64: one serialization for both.
    assert.equal(text, JSON.stringify(body))
    const header = response.headers.get('payment-required')
    assert.equal(header, Buffer.from(text).toString('base64'))
    const head = await fetch(`${url}/api/weather`, { method: 'HEAD' })
    assert.equal(head.status, 402)
    assert.equal(head.headers.get('content-type'), 'application/json; charset=utf-8')
    assert.equal(head.headers.get('content-length'), String(Buffer.byteLength(text)))
    assert.equal(await head.text(), '')
  })

  it('leaves free routes alone', async () => {
    assert.equal((await get('/api/free')).status, 200)
  })

  it('answers 400 for a comma-joined duplicated header', async () => {
    const headers = new Headers({ 'x-payment-chain': 'testnet' })
    headers.append('x-payment-tx', hash(1))
    headers.append('x-payment-tx', hash(2))
    const response = await fetch(`${url}/api/weather`, { headers })
    assert.equal(response.status, 400)
    assert.match(((await response.json()) as { message: string }).message, /x-payment-tx/)
  })

  it('serves a paid request with PAYMENT-RESPONSE and the receipt in ctx.state.payment', async () => {
    chain.pay(hash(10), 12000n)
    const response = await pay('/api/weather', hash(10))
    assert.equal(response.status, 200)
    assert.deepEqual(await response.json(), {
      forecast: 'sunny',
      payer: '0x00000000000000000000000000000000000000aa',
      amount: '12000',
    })
    const receipt = decodeBase64Json<PaymentResponse>(response.headers.get('payment-response')!)
    assert.deepEqual(receipt, {
      success: true,
      network: 'eip155:31337',
      chain: 'testnet',
      transaction: hash(10),
      payer: '0x00000000000000000000000000000000000000aa',
      asset: usdc,
      amount: '12000',
    })
  })

  it('never runs the route for a refused payment (a replay)', async () => {
    chain.pay(hash(12))
    assert.equal((await pay('/api/weather', hash(12))).status, 200)
    served = 0
    const replay = await pay('/api/weather', hash(12))
    assert.equal(replay.status, 402)
    assert.equal(((await replay.json()) as PaymentRequiredBody).error, 'tx_already_used')
    assert.equal(served, 0)
  })

  it('serves exactly one of 50 concurrent requests with one fresh transaction', async () => {
    chain.pay(hash(13))
    const open = chain.hold()
    const responses = Array.from({ length: 50 }, () => pay('/api/weather', hash(13)))
    await new Promise((resolve) => setTimeout(resolve, 100))
    open()
    const statuses = (await Promise.all(responses)).map((r) => r.status)
    assert.equal(statuses.filter((s) => s === 200).length, 1)
    assert.equal(served, 1)
    // Every request verifies before the ledger: those past the 32 verifications in flight get 429.
    assert.ok(
      statuses.every((s) => s === 200 || s === 409 || s === 402 || s === 429),
      statuses.join(','),
    )
  })

  it('answers 409 with Retry-After while another request holds the payment', async () => {
    chain.pay(hash(14))
    const first = pay('/api/slow', hash(14))
    await handlerEntered
    const second = await pay('/api/slow', hash(14))
    assert.equal(second.status, 409)
    assert.equal(second.headers.get('retry-after'), '1')
    assert.equal(((await second.json()) as { error: string }).error, 'payment_in_progress')
    finishSlow()
    assert.equal((await first).status, 200)
  })

  it('leaves the transaction usable when the handler throws', async () => {
    chain.pay(hash(15))
    assert.equal((await pay('/api/throws', hash(15))).status, 500)
    assert.equal((await pay('/api/weather', hash(15))).status, 200)
  })

  it('leaves the transaction usable when the handler answers 404', async () => {
    chain.pay(hash(16))
    const response = await pay('/api/missing', hash(16))
    assert.equal(response.status, 404)
    assert.equal(response.headers.get('payment-response'), null)
    assert.equal((await pay('/api/weather', hash(16))).status, 200)
  })

  it('writes a 503 on a plugin fault with Retry-After and no secret, and a retry succeeds', async () => {
    chain.set(
      hash(17),
      new VerifierUnavailableError('RPC http://secret-rpc.example/key123 timed out'),
    )
    const failed = await pay('/api/weather', hash(17))
    assert.equal(failed.status, 503)
    assert.equal(failed.headers.get('retry-after'), '2')
    const text = await failed.text()
    assert.equal(JSON.parse(text).error, 'verifier_unavailable')
    assert.doesNotMatch(text, /secret-rpc|key123|at .*\.ts/)
    chain.pay(hash(17))
    assert.equal((await pay('/api/weather', hash(17))).status, 200)
  })
})

const silent = { info() {}, warn() {}, error() {} }
