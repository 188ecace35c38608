import assert from 'node:assert/strict'
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type Ledger, memoryLedger } from '@tx402/core'
import axios from 'axios'
import type { Address } from 'viem'
import { withPaymentInterceptor } from './axios/withPaymentInterceptor.js'
import { callPaidEndpoint } from './callPaidEndpoint.js'
import { creditsOf } from './credit/creditJournal.js'
import { memoryJournal } from './journal/memoryJournal.js'
import type { PaymentJournal } from './journal/types.js'
import { type EvmEnv, startEvmEnv, usdcOnAnvil } from './test/evmEnv.js'
import { type PaidApp, startPaidApp } from './test/paidApp.js'

/** A ledger that counts what it charged: payments committed and credit spends committed. */
function countingLedger(): { ledger: Ledger; charges: { payments: number; credit: number } } {
  const inner = memoryLedger()
  const charges = { payments: 0, credit: 0 }
  const credit = inner.credit!
  const ledger: Ledger = Object.assign(Object.create(inner) as Ledger, {
    commit: (...args: Parameters<Ledger['commit']>) => {
      charges.payments++
      return inner.commit(...args)
    },
    credit: Object.assign(Object.create(credit) as typeof credit, {
      commit: (...args: Parameters<typeof credit.commit>) => {
        charges.credit++
        return credit.commit(...args)
      },
    }),
  })
  return { ledger, charges }
}

// Redirects answered to paid and credited requests (docs/protocol.md section 6.3), through the
// client and @tx402/koa on anvil: a 3xx to GET releases the payment, a 3xx to POST is charged and
// carries the receipt and credit; the client never follows a redirect with payment headers.
describe('redirects of paid and credited requests (client, @tx402/koa, anvil)', function () {
  this.timeout(90_000)
  let env: EvmEnv
  let app: PaidApp
  let payTo: Address
  let charges: { payments: number; credit: number }
  /** Per path, the x-payment-* headers each request there carried (empty: none). */
  const seen: Record<string, string[][]> = {}
  const handled: Record<string, number> = {}
  // Another origin serving files by signed link (a CDN): what reached it.
  let cdn: Server
  let cdnOrigin: string
  const cdnSaw: IncomingHttpHeaders[] = []
  let refusesNext = false

  before(async () => {
    cdn = createServer((req, res) => {
      cdnSaw.push(req.headers)
      res.end('file bytes')
    })
    cdn.listen(0, '127.0.0.1')
    await new Promise((resolve) => cdn.once('listening', resolve))
    cdnOrigin = `http://127.0.0.1:${(cdn.address() as AddressInfo).port}`
    env = await startEvmEnv(8453, 7)
    payTo = env.freshPayTo()
    const counting = countingLedger()
    charges = counting.charges
    app = await startPaidApp({
      chains: [usdcOnAnvil(env, payTo)],
      engine: { ledger: counting.ledger, credit: { packs: ['0.05'] } },
      routes: (router, paid, koa) => {
        koa.middleware.unshift((ctx, next) => {
          const headers = Object.keys(ctx.headers).filter((name) => name.startsWith('x-payment-'))
          seen[ctx.path] ??= []
          seen[ctx.path]!.push(headers)
          return next()
        })
        const count = (path: string) => {
          handled[path] = (handled[path] ?? 0) + 1
        }
        router.post('/api/buy', paid, (ctx) => {
          count('/api/buy')
          ctx.status = 303
          ctx.redirect('/api/done')
        })
        router.get('/api/done', (ctx) => {
          ctx.body = { done: true }
        })
        router.get('/api/download', paid, (ctx) => {
          count('/api/download')
          ctx.redirect(`${cdnOrigin}/file?signature=paid-for`)
        })
        router.get('/api/moved', paid, (ctx) => {
          count('/api/moved')
          ctx.redirect('/api/weather')
        })
        router.get('/api/relocated', paid, (ctx) => {
          ctx.redirect('/api/guarded')
        })
        // The target refuses the first payment presented to it (as a server that already saw
        // the transaction would); its source route still honours that payment.
        router.get(
          '/api/guarded',
          (ctx, next) => {
            if (!ctx.headers['x-payment-tx'] || !refusesNext) return next()
            refusesNext = false
            ctx.status = 402
            ctx.body = { error: 'tx_already_used', message: 'refused by the test' }
          },
          paid,
          (ctx) => {
            ctx.body = { guarded: true }
          },
        )
      },
    })
  })
  after(async () => {
    await app?.stop()
    await env?.stop()
    cdn?.closeAllConnections()
    await new Promise((resolve) => cdn?.close(resolve))
  })

  const transfers = async () => (await env.transfersTo(payTo)).length
  const reset = () => {
    for (const key of Object.keys(seen)) delete seen[key]
  }

  it('reads PAYMENT-CREDIT from a purchase answered 303, so the next call spends it: one transfer for two POSTs', async () => {
    const journal = memoryJournal()
    const before = { transfers: await transfers(), ...charges }
    const call = () =>
      callPaidEndpoint(
        `${app.origin}/api/buy`,
        { method: 'POST', body: '{}' },
        { payers: [env.payer], journal, credit: { buy: 'smallest' } },
      )
    const first = await call()
    assert.equal(first.status, 200)
    assert.deepEqual(await first.json(), { done: true })
    assert.equal((await creditsOf(journal).list()).length, 1, 'the token of the 303 is kept')
    const second = await call()
    assert.equal(second.status, 200)
    assert.equal((await transfers()) - before.transfers, 1)
    assert.equal(charges.payments - before.payments, 1)
    assert.equal(charges.credit - before.credit, 1, 'the credited 303 was paid from the balance')
    assert.equal(handled['/api/buy'], 2)
    // The redirect's target never saw a payment header or the token.
    for (const headers of seen['/api/done'] ?? []) assert.deepEqual(headers, [])
    assert.equal((await journal.list()).length, 0)
  })

  it('keeps a purchase answered 303 journaled until its token is accepted, and presents it again rather than buy anew', async () => {
    const journal = memoryJournal()
    const before = { transfers: await transfers(), ...charges }
    const call = () =>
      callPaidEndpoint(
        `${app.origin}/api/buy`,
        { method: 'POST', body: '{"order":2}' },
        { payers: [env.payer], journal, credit: { buy: 'smallest' } },
      )
    assert.equal((await call()).status, 200)
    const [entry] = await journal.list()
    const [bought] = await creditsOf(journal).list()
    assert.equal(entry?.awaitingToken, bought!.token, 'journaled until its token is accepted')
    // Refused before it was ever accepted (as by a server that lost the purchase's commit): the
    // purchase is presented again, not a second pack bought.
    await creditsOf(journal).put({ ...bought!, token: `${bought!.token.slice(0, -4)}AAAA` })
    const again = await call()
    assert.equal(again.status, 200)
    assert.deepEqual(await again.json(), { done: true })
    assert.equal((await transfers()) - before.transfers, 1, 'no second pack')
    assert.equal(charges.payments - before.payments, 1)
    assert.deepEqual(await journal.list(), [])
  })

  it('charges a credited GET redirected to another paid route once, at the target', async () => {
    const journal = memoryJournal()
    const options = { payers: [env.payer], journal, credit: { buy: 'smallest' as const } }
    await (await callPaidEndpoint(`${app.origin}/api/weather`, {}, options)).arrayBuffer()
    const [record] = await creditsOf(journal).list()
    const before = { transfers: await transfers(), ...charges, remaining: record!.remaining }
    reset()
    const response = await callPaidEndpoint(`${app.origin}/api/moved`, {}, options)
    assert.equal(response.status, 200)
    assert.equal(((await response.json()) as { forecast: string }).forecast, 'sunny')
    const [after] = await creditsOf(journal).list()
    assert.equal(BigInt(before.remaining) - BigInt(after!.remaining), 10_000n)
    assert.equal(charges.credit - before.credit, 1)
    assert.equal(charges.payments - before.payments, 0)
    assert.equal(await transfers(), before.transfers)
    // The target, a route this balance took before, was asked once, with the token of its own.
    assert.equal(seen['/api/weather']?.length, 1)
  })

  it('serves a paid GET redirected to another paid route with the one payment it made', async () => {
    const journal: PaymentJournal = memoryJournal()
    const before = { transfers: await transfers(), ...charges }
    reset()
    const response = await callPaidEndpoint(
      `${app.origin}/api/moved`,
      {},
      { payers: [env.payer], journal },
    )
    assert.equal(response.status, 200)
    assert.equal(((await response.json()) as { forecast: string }).forecast, 'sunny')
    assert.equal((await transfers()) - before.transfers, 1)
    assert.equal(charges.payments - before.payments, 1)
    assert.deepEqual(seen['/api/weather']?.[0], [], 'followed without payment headers')
    assert.equal((await journal.list()).length, 0)
  })

  it('keeps a released GET payment its redirect target refused journaled for its own route, which serves it on the next call', async () => {
    const journal: PaymentJournal = memoryJournal()
    const before = { transfers: await transfers(), ...charges }
    const options = { payers: [env.payer], journal }
    refusesNext = true
    await assert.rejects(callPaidEndpoint(`${app.origin}/api/relocated`, {}, options), {
      name: 'PaymentRejectedError',
      code: 'tx_already_used',
    })
    assert.equal((await transfers()) - before.transfers, 1)
    assert.deepEqual(
      (await journal.list()).map((entry) => entry.resource),
      [`${app.origin} GET /api/relocated`],
      'the refused carried payment is journaled again for the route it was made for',
    )
    const second = await callPaidEndpoint(`${app.origin}/api/relocated`, {}, options)
    assert.equal(second.status, 200)
    assert.deepEqual(await second.json(), { guarded: true })
    assert.equal((await transfers()) - before.transfers, 1, 'the kept payment served it')
    assert.equal(charges.payments - before.payments, 1)
    assert.equal((await journal.list()).length, 0)
  })

  it('does the same through the axios interceptor', async () => {
    const journal: PaymentJournal = memoryJournal()
    const before = { transfers: await transfers(), ...charges }
    reset()
    const api = withPaymentInterceptor(axios.create(), { payers: [env.payer], journal })
    const response = await api.get(`${app.origin}/api/moved`)
    assert.equal(response.status, 200)
    assert.equal((response.data as { forecast: string }).forecast, 'sunny')
    assert.equal((await transfers()) - before.transfers, 1)
    assert.equal(charges.payments - before.payments, 1)
    assert.deepEqual(seen['/api/weather']?.[0], [], 'followed without payment headers')
    assert.equal((await journal.list()).length, 0)
  })

  it('charges a paid GET redirected to another origin (the signed link is the answer) and follows it without payment headers', async () => {
    const journal: PaymentJournal = memoryJournal()
    const before = { transfers: await transfers(), ...charges }
    const response = await callPaidEndpoint(
      `${app.origin}/api/download`,
      {},
      { payers: [env.payer], journal },
    )
    assert.equal(response.status, 200)
    assert.equal(await response.text(), 'file bytes')
    assert.equal((await transfers()) - before.transfers, 1)
    assert.equal(charges.payments - before.payments, 1)
    assert.equal(cdnSaw.length, 1)
    const leaked = Object.keys(cdnSaw[0]!).filter((name) => name.startsWith('x-payment-'))
    assert.deepEqual(leaked, [], 'no payment header reached the other origin')
    assert.equal((await journal.list()).length, 0)
  })

  // A browser's fetch answers redirect: 'manual' with an opaque redirect (status 0, no headers,
  // no Location): simulated here by hiding each 3xx answered to a manual request.
  const browserFetch: typeof fetch = async (input, init) => {
    const request = new Request(input, init)
    const response = await fetch(request)
    if (request.redirect !== 'manual' || response.status < 300 || response.status > 399) {
      return response
    }
    await response.arrayBuffer()
    return Response.error()
  }

  it('in a browser, keeps a GET payment its opaque redirect released, and serves it at the target on the next call: one transfer', async () => {
    const journal: PaymentJournal = memoryJournal()
    const before = { transfers: await transfers(), ...charges }
    const opaque = await callPaidEndpoint(
      `${app.origin}/api/moved`,
      {},
      { payers: [env.payer], journal, fetch: browserFetch },
    )
    assert.equal(opaque.status, 0)
    assert.equal((await journal.list()).length, 1, 'released, so kept for the next call')
    assert.equal(charges.payments - before.payments, 0)
    const served = await callPaidEndpoint(
      `${app.origin}/api/moved`,
      {},
      { payers: [env.payer], journal },
    )
    assert.equal(served.status, 200)
    assert.equal((await transfers()) - before.transfers, 1)
    assert.equal(charges.payments - before.payments, 1)
    assert.equal((await journal.list()).length, 0)
  })

  it('in a browser, takes the opaque redirect of a POST as charged: the payment is not presented again', async () => {
    const journal: PaymentJournal = memoryJournal()
    const before = { transfers: await transfers(), ...charges }
    const opaque = await callPaidEndpoint(
      `${app.origin}/api/buy`,
      { method: 'POST', body: '{}' },
      { payers: [env.payer], journal, fetch: browserFetch },
    )
    assert.equal(opaque.status, 0)
    assert.equal((await transfers()) - before.transfers, 1)
    assert.equal(charges.payments - before.payments, 1)
    assert.deepEqual(await journal.list(), [])
  })
})
