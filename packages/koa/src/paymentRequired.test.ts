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
const payTo = '0x000000000000000000000000000000000000bEEF'
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

  it('answers 402 with the body and header of PROTOCOL.md section 2', async () => {
    const response = await get('/api/weather')
    assert.equal(response.status, 402)
    assert.equal(response.headers.get('content-type'), 'application/json; charset=utf-8')
    assert.equal(response.headers.get('cache-control'), 'no-store')
    const body = (await response.json()) as PaymentRequiredBody
    assert.deepEqual(Object.keys(body).sort(), [
      'accepts',
      'challenge',
      'cost',
      'error',
      'message',
      'resource',
    ])
    assert.equal(body.error, 'payment_required')
    assert.equal(
      body.message,
      'This resource costs 0.01 USDC. Pay on one of the accepted chains and retry with x-payment-tx and x-payment-chain.',
    )
    assert.deepEqual(body.resource, { method: 'GET', path: '/api/weather' })
    assert.deepEqual(body.cost, { amount: '0.01', currency: 'USDC' })
    assert.match(body.challenge.id, /^c2\./)
    const expiresIn = Date.parse(body.challenge.expiresAt) - Date.now()
    assert.ok(expiresIn > 800_000 && expiresIn <= 900_000, `expiresAt ${body.challenge.expiresAt}`)
    assert.deepEqual(body.accepts, [
      {
        chain: 'testnet',
        network: 'eip155:31337',
        asset: usdc,
        amount: '10000',
        payTo,
        minConfirmations: 1,
        maxAgeSeconds: 900,
      },
    ])
    const header = response.headers.get('payment-required')
    assert.ok(header)
    assert.equal(header, Buffer.from(JSON.stringify(body)).toString('base64'))
  })

  it('leaves free routes alone', async () => {
    assert.equal((await get('/api/free')).status, 200)
  })

  it('answers 400 for an oversized header', async () => {
    const response = await pay('/api/weather', `0x${'a'.repeat(600)}`)
    assert.equal(response.status, 400)
    assert.equal(((await response.json()) as { error: string }).error, 'invalid_payment_headers')
    assert.equal(chain.calls.length, 0)
  })

  it('answers 400 for a comma-joined duplicated header', async () => {
    const headers = new Headers({ 'x-payment-chain': 'testnet' })
    headers.append('x-payment-tx', hash(1))
    headers.append('x-payment-tx', hash(2))
    const response = await fetch(`${url}/api/weather`, { headers })
    assert.equal(response.status, 400)
    assert.match(((await response.json()) as { message: string }).message, /x-payment-tx/)
  })

  it('answers 400 for an unknown chain, naming the accepted ones', async () => {
    const response = await get('/api/weather', {
      'x-payment-tx': hash(3),
      'x-payment-chain': 'dogecoin',
    })
    assert.equal(response.status, 400)
    const body = (await response.json()) as { error: string; message: string }
    assert.equal(body.error, 'invalid_payment_headers')
    assert.match(body.message, /testnet \(eip155:31337\)/)
  })

  it('answers 400 for a malformed transaction id', async () => {
    const response = await pay('/api/weather', '0x1234')
    assert.equal(response.status, 400)
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

  it('accepts the chain by CAIP-2 network id, in any case', async () => {
    chain.pay(hash(11))
    const response = await get('/api/weather', {
      'x-payment-tx': hash(11),
      'x-payment-chain': 'EIP155:31337',
    })
    assert.equal(response.status, 200)
  })

  it('rejects a replay in every spelling, from the ledger', async () => {
    chain.pay(hash(12))
    assert.equal((await pay('/api/weather', hash(12))).status, 200)
    chain.calls.length = 0
    served = 0
    for (const spelling of [
      hash(12),
      hash(12).toUpperCase().replace('0X', '0x'),
      hash(12).slice(2),
    ]) {
      const replay = await pay('/api/weather', spelling)
      assert.equal(replay.status, 402)
      const body = (await replay.json()) as PaymentRequiredBody
      assert.equal(body.error, 'tx_already_used')
      assert.equal(body.accepts.length, 1, 'a 402 carries fresh accepts')
    }
    // The chain is read first: who paid whom is part of the payment's key.
    assert.equal(chain.calls.length, 3)
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

  it('answers 503 on a plugin fault, consumes nothing, and a retry succeeds', async () => {
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

  it('answers 503 when a plugin has a bug, never 500', async () => {
    chain.set(hash(18), new TypeError("Cannot read properties of undefined (reading 'logs')"))
    const response = await pay('/api/weather', hash(18))
    assert.equal(response.status, 503)
    assert.doesNotMatch(await response.text(), /logs|TypeError/)
  })

  it('answers 402 with the plugin reason and a fresh challenge', async () => {
    chain.set(hash(19), {
      status: 'invalid',
      reason: 'wrong_recipient',
      message: 'The tokens went elsewhere.',
    })
    const response = await pay('/api/weather', hash(19))
    assert.equal(response.status, 402)
    const body = (await response.json()) as PaymentRequiredBody
    assert.equal(body.error, 'wrong_recipient')
    assert.equal(body.message, 'The tokens went elsewhere.')
    assert.ok(body.challenge.id)
    assert.ok(response.headers.get('payment-required'))
  })

  it('answers 402 payment_pending with Retry-After and keeps the transaction usable', async () => {
    chain.set(hash(20), { status: 'pending', retryAfterMs: 2500 })
    const response = await pay('/api/weather', hash(20))
    assert.equal(response.status, 402)
    assert.equal(response.headers.get('retry-after'), '3')
    assert.equal(((await response.json()) as { error: string }).error, 'payment_pending')
    chain.pay(hash(20))
    assert.equal((await pay('/api/weather', hash(20))).status, 200)
  })

  it('rejects a plugin verdict below the price even if the plugin called it confirmed', async () => {
    chain.pay(hash(21), 9999n)
    const response = await pay('/api/weather', hash(21))
    assert.equal(response.status, 402)
    assert.equal(((await response.json()) as { error: string }).error, 'insufficient_amount')
    assert.equal(served, 0)
  })

  it('checks x-payment-challenge: its own is accepted, a tampered or foreign one is not', async () => {
    const challenge = ((await (await get('/api/weather')).json()) as PaymentRequiredBody).challenge
      .id
    chain.pay(hash(22))
    const tampered = await pay('/api/weather', hash(22), {
      'x-payment-challenge': `${challenge.slice(0, -3)}AAA`,
    })
    assert.equal(tampered.status, 402)
    assert.equal(((await tampered.json()) as { error: string }).error, 'challenge_invalid')
    const otherRoute = ((await (await get('/api/missing')).json()) as PaymentRequiredBody).challenge
      .id
    const foreign = await pay('/api/weather', hash(22), { 'x-payment-challenge': otherRoute })
    assert.equal(((await foreign.json()) as { error: string }).error, 'challenge_invalid')
    assert.equal(chain.calls.length, 0)
    const ok = await pay('/api/weather', hash(22), { 'x-payment-challenge': challenge })
    assert.equal(ok.status, 200)
  })

  it('rejects a transaction mined before the challenge it answers', async () => {
    const challenge = ((await (await get('/api/weather')).json()) as PaymentRequiredBody).challenge
      .id
    chain.set(hash(23), {
      status: 'confirmed',
      payer: '0xaa',
      amount: 10000n,
      blockTime: Math.floor(Date.now() / 1000) - 3600,
    })
    const response = await pay('/api/weather', hash(23), { 'x-payment-challenge': challenge })
    assert.equal(((await response.json()) as { error: string }).error, 'tx_too_old')
  })
})

const silent = { info() {}, warn() {}, error() {} }
