import assert from 'node:assert/strict'
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import Router from '@koa/router'
import type { Ledger } from '@tx402/core'
import { paymentRequired } from '@tx402/koa'
import { embeddedLedger } from '@tx402/ledger'
import Koa from 'koa'
import { type AnvilCredit, startAnvilCredit } from './test/credit/anvilCredit.js'
import { payOnAnvil, receiptOf } from './test/delivery/anvilPayment.js'
import { centOnAnvil } from './test/delivery/anvilPaywall.js'

// docs/protocol.md 6.1/6.3: the payment headers are present exactly when the answer is charged.
// An outer middleware (mounted before paymentRequired) that turns the paid route's answer into an
// error or a redirect within this server after it ran releases the payment; a receipt on that
// response would tell the payer it was charged, and it would forget a payment still usable.
const secret = 'outer-status-secret-at-least-32-bytes!!!'
const quiet = { info() {}, warn() {}, error() {} }

describe('an outer middleware changes the paid answer after the route ran (anvil)', function () {
  this.timeout(120_000)
  let lab: AnvilCredit
  let ledger: Ledger & { close(): Promise<void> }
  let base = ''
  // How many of the next answers the outer middleware spoils, per path.
  const spoil: Record<string, number> = {}
  let close: () => Promise<void> = async () => {}

  before(async () => {
    lab = await startAnvilCredit()
    ledger = embeddedLedger({ dataDir: 'memory://', logger: quiet })
    await ledger.ready?.()
    const router = new Router()
    // Throws while spoiled; an outer error handler answers 200 with its own body.
    router.get('/api/throws', paymentRequired(centOnAnvil(lab, ledger, secret)), (ctx) => {
      if (spoil['/api/throws']) throw new Error('route failed')
      ctx.body = { answer: 42 }
    })
    for (const path of ['/api/fails-late', '/api/moved-late']) {
      router.get(path, paymentRequired(centOnAnvil(lab, ledger, secret)), (ctx) => {
        ctx.body = { answer: 42 }
      })
    }
    const app = new Koa()
    app.silent = true
    app.use(async (ctx, next) => {
      try {
        await next()
      } catch {
        spoil[ctx.path]!--
        ctx.status = 200
        ctx.body = { error: 'handled' }
        return
      }
      if (!spoil[ctx.path]) return
      spoil[ctx.path]!--
      // A response check failing after the route, or a late move to another page of this server.
      if (ctx.path === '/api/fails-late') {
        ctx.status = 502
        ctx.body = { error: 'upstream_check_failed' }
      } else {
        ctx.redirect('/api/elsewhere')
      }
    })
    app.use(router.routes())
    const server = app.listen(0, '127.0.0.1')
    await once(server, 'listening')
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    close = async () => {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    }
  })
  after(async () => {
    await close()
    await ledger?.close()
    await lab?.close()
  })

  /** Presents the payment, waiting out a 409 while the last one settles. */
  async function present(url: string, headers: Record<string, string>) {
    for (let attempt = 0; ; attempt++) {
      const response = await fetch(url, { headers, redirect: 'manual' })
      if (response.status !== 409 || attempt === 50) return response
      await response.arrayBuffer()
      await sleep(50)
    }
  }

  for (const [path, status] of [
    ['/api/fails-late', 502],
    ['/api/moved-late', 302],
    // The route failed: the handler's own 200 is not the paid answer (docs/protocol.md 6.1).
    ['/api/throws', 200],
  ] as const) {
    it(`${path}: the ${status} carries no PAYMENT-RESPONSE and the payment still buys the answer`, async () => {
      const url = `${base}${path}`
      const { headers } = await payOnAnvil(lab, url)
      spoil[path] = 2
      for (let i = 0; i < 2; i++) {
        const spoiled = await present(url, headers)
        assert.equal(spoiled.status, status)
        if (path === '/api/throws') assert.deepEqual(await spoiled.json(), { error: 'handled' })
        assert.equal(spoiled.headers.get('payment-response'), null, 'released: no receipt')
        if (path !== '/api/throws') await spoiled.arrayBuffer()
      }
      const served = await present(url, headers)
      assert.equal(served.status, 200)
      assert.deepEqual(await served.json(), { answer: 42 })
      const receipt = receiptOf(served)
      assert.equal(receipt?.transaction, headers['x-payment-tx'])
      assert.notEqual(receipt?.redelivered, true, 'charged now, for the first time')
    })
  }
})
