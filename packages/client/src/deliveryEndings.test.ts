import assert from 'node:assert/strict'
import { Readable } from 'node:stream'
import { type Ledger, LedgerUnavailableError, memoryLedger } from '@tx402/core'
import axios from 'axios'
import type { Address } from 'viem'
import { withPaymentInterceptor } from './axios/withPaymentInterceptor.js'
import { callPaidEndpoint, type PaidFetchOptions } from './callPaidEndpoint.js'
import { PaymentRejectedError } from './errors.js'
import { memoryJournal } from './journal/memoryJournal.js'
import type { PaymentJournal } from './journal/types.js'
import { type EvmEnv, startEvmEnv, usdcOnAnvil } from './test/evmEnv.js'
import { type LossyProxy, lossyProxy } from './test/lossyProxy.js'
import { type PaidApp, paymentResponse, startPaidApp } from './test/paidApp.js'

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Every way a paid request can end without its response reaching the payer (docs/protocol.md section
 * 6), through the client on anvil: each ends served, with exactly one Transfer on chain.
 */
describe('every ending of a paid request costs one Transfer (callPaidEndpoint, anvil)', function () {
  this.timeout(60_000)
  let env: EvmEnv
  const servers: (PaidApp | LossyProxy)[] = []
  /** Handler runs per path, of paid requests. */
  let runs: Record<string, number>
  /** Each path's handler fails (its own way) while this is above 0, counting down. */
  let failures: Record<string, number>

  before(async () => {
    env = await startEvmEnv(8453, 5)
  })
  beforeEach(() => {
    runs = {}
    failures = {}
  })
  after(async () => {
    await Promise.all(servers.map((server) => ('stop' in server ? server.stop() : server.close())))
    await env?.stop()
  })

  const failsNow = (path: string) => (failures[path] ?? 0) > 0 && failures[path]!-- > 0
  const ran = (path: string) => {
    runs[path] = (runs[path] ?? 0) + 1
  }

  /** A paid app on anvil's Base with the routes under test, failing `fail` times each. */
  const serve = async (
    payTo: Address,
    fail: Record<string, number>,
    engine: Parameters<typeof startPaidApp>[0]['engine'] = {},
  ) => {
    failures = { ...fail }
    const app = await startPaidApp({
      chains: [usdcOnAnvil(env, payTo)],
      engine,
      routes(router, paid, koa) {
        koa.use(async (ctx, next) => {
          await next()
          if (ctx.path === '/outer-throws' && ctx.state.payment && failsNow('/outer-throws')) {
            throw new Error('an outer middleware failed after the paid route')
          }
        })
        router.get('/stream-fails', paid, (ctx) => {
          ran('/stream-fails')
          ctx.type = 'text/plain'
          ctx.body = failsNow('/stream-fails')
            ? new Readable({
                read() {
                  this.destroy(new Error('the source broke'))
                },
              })
            : Readable.from(['all ', 'of ', 'it'])
        })
        router.get('/bigint', paid, (ctx) => {
          ran('/bigint')
          ctx.body = failsNow('/bigint') ? { amount: 10n } : { amount: '10' }
        })
        router.get('/outer-throws', paid, (ctx) => {
          ran('/outer-throws')
          ctx.body = { ok: true }
        })
        router.get('/slow', paid, async (ctx) => {
          ran('/slow')
          await wait(failsNow('/slow') ? 1_500 : 0)
          ctx.body = { ok: true }
        })
        router.get('/long', paid, async (ctx) => {
          ran('/long')
          await wait(3_000)
          ctx.set('x-route-token', 'secret-for-the-payer')
          ctx.body = { ok: true }
        })
        router.get('/cookie', paid, async (ctx) => {
          ran('/cookie')
          ctx.cookies.set('session', 'granted')
          await wait(failsNow('/cookie') ? 700 : 0)
          ctx.body = { ok: true }
        })
        router.post('/order', paid, async (ctx) => {
          ran('/order')
          let text = ''
          for await (const chunk of ctx.req) text += chunk
          ctx.body = { order: text, number: runs['/order'] }
        })
        router.post('/report', paid, (ctx) => {
          ran('/report')
          ctx.body = 'x'.repeat(4_096)
        })
      },
    })
    servers.push(app)
    return app
  }
  const pay = (url: string, options: Partial<PaidFetchOptions> = {}, init: RequestInit = {}) =>
    callPaidEndpoint(url, init, { payers: [env.payer], journal: memoryJournal(), ...options })
  const transfers = async (payTo: Address) =>
    (await env.transfersTo(payTo)).map((transfer) => transfer.transactionHash)

  /** The first call gets the route's failure and keeps the payment; the second is served with it. */
  const failsThenServed = async (path: string, status: number) => {
    const payTo = env.freshPayTo()
    const app = await serve(payTo, { [path]: 1 })
    const journal = memoryJournal()
    const failed = await pay(`${app.origin}${path}`, { journal })
    assert.equal(failed.status, status)
    const [kept] = await journal.list()
    assert.ok(kept, 'the unserved payment stays journaled')
    const served = await pay(`${app.origin}${path}`, { journal })
    assert.equal(served.status, 200)
    assert.equal(paymentResponse(served.headers).transaction, kept.payment.txId)
    assert.deepEqual(await transfers(payTo), [kept.payment.txId])
    assert.deepEqual(await journal.list(), [])
    assert.equal(runs[path], 2)
  }

  it('a stream body that errors on its first read', () => failsThenServed('/stream-fails', 500))
  it('a body Koa cannot serialize (a bigint)', () => failsThenServed('/bigint', 500))
  it('an outer middleware that throws after the paid route', () =>
    failsThenServed('/outer-throws', 500))

  it('the caller aborting before the handler finished', async () => {
    const payTo = env.freshPayTo()
    const app = await serve(payTo, { '/slow': 1 })
    const journal = memoryJournal()
    const controller = new AbortController()
    // Aborts once the paid request is in the handler.
    const watch = setInterval(() => {
      if (runs['/slow']) {
        clearInterval(watch)
        setTimeout(() => controller.abort(new Error('the caller gave up')), 200)
      }
    }, 20)
    const error = await pay(`${app.origin}/slow`, { journal }, { signal: controller.signal }).catch(
      (e: unknown) => e,
    )
    clearInterval(watch)
    assert.match(String(error), /the caller gave up/)
    const [kept] = await journal.list()
    assert.ok(kept, 'the payment of an abandoned call stays journaled')
    const served = await pay(`${app.origin}/slow`, { journal })
    assert.equal(served.status, 200)
    assert.equal(paymentResponse(served.headers).transaction, kept.payment.txId)
    assert.deepEqual(await transfers(payTo), [kept.payment.txId])
  })

  it("a timeout of the HTTP client (axios' timeout): the same headers again, in the same call", async () => {
    const payTo = env.freshPayTo()
    const app = await serve(payTo, { '/slow': 1 })
    const api = withPaymentInterceptor(axios.create({ baseURL: app.origin, timeout: 800 }), {
      payers: [env.payer],
      journal: memoryJournal(),
    })
    const response = await api.get('/slow')
    assert.equal(response.status, 200)
    const { transaction } = paymentResponse({
      get: (name) => (response.headers[name] as string | undefined) ?? null,
    })
    assert.deepEqual(await transfers(payTo), [transaction])
    // The timed-out run was not charged; the retry ran the route again.
    assert.equal(runs['/slow'], 2)
  })

  it('a handler that runs 3x claimTtlMs, with the same transaction presented mid-way', async () => {
    const payTo = env.freshPayTo()
    const app = await serve(payTo, {}, { claimTtlMs: 1_000 })
    const call = pay(`${app.origin}/long`)
    while (!runs['/long']) await wait(20)
    await wait(1_500)
    const tx = app.presented.find((presented) => presented !== null)!
    // The payer's own headers (its proof included) sent again while the handler still runs.
    const intruder = await fetch(`${app.origin}/long`, { headers: app.paymentHeaders[0]! })
    assert.equal(intruder.status, 409)
    assert.equal(((await intruder.json()) as { error: string }).error, 'payment_in_progress')
    const response = await call
    assert.equal(response.status, 200)
    assert.equal(paymentResponse(response.headers).transaction, tx)
    assert.equal(runs['/long'], 1)
    assert.deepEqual(await transfers(payTo), [tx])
  })

  it('a claim the ledger cannot confirm before the first byte: 503 without the route headers, then served', async () => {
    const payTo = env.freshPayTo()
    const ledger = renewFailsForFirstLease(memoryLedger())
    const app = await serve(payTo, { '/cookie': 1 }, { ledger, claimTtlMs: 900 })
    const seen: { status: number; cookie: string | null }[] = []
    const recording: typeof fetch = async (input, init) => {
      const response = await fetch(input, init)
      seen.push({ status: response.status, cookie: response.headers.get('set-cookie') })
      return response
    }
    const response = await pay(`${app.origin}/cookie`, { fetch: recording })
    assert.equal(response.status, 200)
    const statuses = seen.map((s) => s.status)
    assert.deepEqual(statuses, [402, 503, 200])
    assert.equal(seen[1]!.cookie, null, 'the 503 carries no header the route set')
    assert.match(seen[2]!.cookie ?? '', /session=granted/)
    assert.deepEqual(await transfers(payTo), [paymentResponse(response.headers).transaction])
  })

  /** A paid app behind a proxy that loses its first successful reply, after the server sent it. */
  const serveLossy = async (payTo: Address, engine: Parameters<typeof serve>[2] = {}) => {
    const app = await serve(payTo, {}, engine)
    const proxy = await lossyProxy(app.origin, 1)
    servers.push(proxy)
    return { app, proxy }
  }

  it('a GET response lost after the server delivered it is re-delivered to the same headers', async () => {
    const payTo = env.freshPayTo()
    const { app, proxy } = await serveLossy(payTo)
    const response = await pay(`${proxy.origin}/slow`)
    assert.equal(response.status, 200)
    const receipt = paymentResponse(response.headers)
    assert.equal(receipt.redelivered, true)
    assert.equal(proxy.lost, 1)
    assert.equal(runs['/slow'], 2)
    assert.deepEqual(await transfers(payTo), [receipt.transaction])
    // The hash alone, as an observer of the chain has it, gets nothing.
    const observer = await fetch(`${app.origin}/slow`, {
      headers: { 'x-payment-tx': receipt.transaction, 'x-payment-chain': 'base' },
    })
    // The hash alone is not bound to the payer (binding: 'payer', the default): refused.
    assert.equal(((await observer.json()) as { error: string }).error, 'proof_invalid')
  })

  it('a POST response lost after delivery is replayed byte for byte, the route run once', async () => {
    const payTo = env.freshPayTo()
    const { proxy } = await serveLossy(payTo)
    const response = await pay(`${proxy.origin}/order`, {}, { method: 'POST', body: 'two coffees' })
    assert.equal(response.status, 200)
    assert.equal(await response.text(), '{"order":"two coffees","number":1}')
    assert.equal(paymentResponse(response.headers).redelivered, true)
    assert.equal(runs['/order'], 1)
    assert.deepEqual(await transfers(payTo), [paymentResponse(response.headers).transaction])
  })

  it("a journaled POST payment is not taken for another POST's request: the replay is refused, paid once more", async () => {
    const payTo = env.freshPayTo()
    const app = await serve(payTo, {})
    // A journal that loses its deletes: the first POST's payment, served, is presented again.
    const inner = memoryJournal()
    const journal: PaymentJournal = { ...inner, delete: async () => {} }
    const order = (body: string) =>
      pay(`${app.origin}/order`, { journal }, { method: 'POST', body })
    const first = await order('two coffees')
    assert.equal(await first.text(), '{"order":"two coffees","number":1}')
    const second = await order('one tea')
    assert.equal(second.status, 200)
    assert.equal(await second.text(), '{"order":"one tea","number":2}')
    assert.equal(paymentResponse(second.headers).redelivered, undefined)
    // The same request again is the lost-response case: its kept response, no new payment.
    const again = await order('two coffees')
    assert.equal(await again.text(), '{"order":"two coffees","number":1}')
    assert.equal(paymentResponse(again.headers).redelivered, true)
    assert.deepEqual(await transfers(payTo), [
      paymentResponse(first.headers).transaction,
      paymentResponse(second.headers).transaction,
    ])
  })

  it('a lost POST response too large to keep: a typed error with the transaction, no second payment', async () => {
    const payTo = env.freshPayTo()
    const { proxy } = await serveLossy(payTo, { maxStoredResponseBytes: 1_024 })
    const journal: PaymentJournal = memoryJournal()
    const error = await pay(`${proxy.origin}/report`, { journal }, { method: 'POST' }).catch(
      (e: unknown) => e,
    )
    assert.ok(error instanceof PaymentRejectedError, String(error))
    assert.equal(error.code, 'response_not_stored')
    assert.equal(error.status, 409)
    assert.deepEqual(await transfers(payTo), [error.txId])
    // Served once already: nothing left to present.
    assert.deepEqual(await journal.list(), [])
    assert.equal(runs['/report'], 1)
  })
})

/**
 * A ledger whose `renew` fails (as a ledger that went down) for the first lease it grants, so
 * the claim of the first paid request cannot be confirmed before its first byte.
 */
function renewFailsForFirstLease(ledger: Ledger): Ledger {
  let first: string | undefined
  return {
    ...ledger,
    async acquire(key, ttlMs) {
      const lease = await ledger.acquire(key, ttlMs)
      first ??= lease?.token
      return lease
    },
    async renew(lease, ttlMs) {
      if (lease.token === first) throw new LedgerUnavailableError('The ledger is down (scripted).')
      return ledger.renew(lease, ttlMs)
    },
  }
}
