import assert from 'node:assert/strict'
import type { PaymentRequiredBody } from '@tx402/core'
import { memoryLedger } from '@tx402/core'
import { scriptedChain } from '@tx402/core/testing'
import { paymentRequired } from './paymentRequired.js'
import { hash, secret, startPaidServer } from './test/paidServer.js'

const server0 = scriptedChain()

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

  it('keeps each route its own accepts: two prices and two payees on one server', async () => {
    const server = await startPaidServer((_app, router, paid) => {
      router.get('/api/cheap', paid, (ctx) => {
        ctx.body = { cheap: true }
      })
      const dear = paymentRequired({
        price: '0.25',
        asset: 'USDC',
        chains: [{ ...server0.plugin, payTo: '0x000000000000000000000000000000000000dEaD' }],
        ledger: memoryLedger(),
        secret, // the same key: its challenges bind a payment here, but carry no terms
        logger: { info() {}, warn() {}, error() {} },
      })
      router.get('/api/dear', dear, (ctx) => {
        ctx.body = { dear: true }
      })
    })
    try {
      for (let round = 0; round < 3; round++) {
        for (const [path, amount, payTo] of [
          ['/api/cheap', '10000', '0x000000000000000000000000000000000000bEEF'],
          ['/api/dear', '250000', '0x000000000000000000000000000000000000dEaD'],
        ] as const) {
          const response = await fetch(`${server.url}${path}`)
          const text = await response.text()
          const body = JSON.parse(text) as PaymentRequiredBody
          assert.deepEqual([body.accepts[0]!.amount, body.accepts[0]!.payTo], [amount, payTo])
          assert.equal(body.resource.path, path)
          assert.equal(
            Buffer.from(response.headers.get('payment-required')!, 'base64').toString(),
            text,
          )
        }
      }
      // A challenge of one route carries no terms to the other: judged by the dear route's own.
      const cheap = (await (await fetch(`${server.url}/api/cheap`)).json()) as PaymentRequiredBody
      server0.pay(hash(1))
      const crossed = await fetch(`${server.url}/api/dear`, {
        headers: {
          'x-payment-tx': hash(1),
          'x-payment-chain': 'testnet',
          'x-payment-challenge': cheap.challenge.id,
        },
      })
      assert.equal(crossed.status, 402)
      assert.equal(((await crossed.json()) as { error: string }).error, 'insufficient_amount')
    } finally {
      await server.close()
    }
  })
})
