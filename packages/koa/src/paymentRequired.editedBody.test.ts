import assert from 'node:assert/strict'
import type { PaymentRequiredBody } from '@tx402/core'
import { startPaidServer } from './test/paidServer.js'

// An app may post-process its 402s (wording, display names) in an outer middleware. The engine
// keeps each offer's accepts entry between 402s (challengeResponse.ts): what one 402's body hands
// the app must be its own, or an edit leaks into every later 402 (and into the route's terms),
// and PAYMENT-REQUIRED, spelled from the kept JSON, no longer says what the body says.
describe('@tx402/koa: an app that edits a 402 body', () => {
  it("changes that 402 only: the next one is the route's own, its header equal to its body", async () => {
    const server = await startPaidServer(
      (app, router, paid) => {
        app.use(async (ctx, next) => {
          await next()
          if (ctx.status !== 402 || ctx.get('x-edit') !== 'yes') return
          const body = ctx.body as PaymentRequiredBody
          body.cost.currency += ' (on Base)'
          body.accepts[0]!.asset.symbol = 'USD Coin'
          body.accepts[0]!.credit!.packs.push('1')
        })
        router.get('/api/weather', paid, (ctx) => {
          ctx.body = { forecast: 'sunny' }
        })
      },
      { credit: { packs: ['1.00'] } },
    )
    try {
      const edited = await fetch(`${server.url}/api/weather`, { headers: { 'x-edit': 'yes' } })
      assert.equal(edited.status, 402)
      assert.equal(((await edited.json()) as PaymentRequiredBody).cost.currency, 'USDC (on Base)')

      const next = await fetch(`${server.url}/api/weather`)
      assert.equal(next.status, 402)
      const text = await next.text()
      const body = JSON.parse(text) as PaymentRequiredBody
      assert.equal(body.cost.currency, 'USDC')
      assert.match(body.message, /costs 0\.01 USDC\./)
      assert.equal(body.accepts[0]!.asset.symbol, 'USDC')
      assert.deepEqual(body.accepts[0]!.credit!.packs, ['1000000'])
      assert.equal(Buffer.from(next.headers.get('payment-required')!, 'base64').toString(), text)
    } finally {
      await server.close()
    }
  })
})
