import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import Router from '@koa/router'
import type { Ledger } from '@tx402/core'
import { paymentRequired } from '@tx402/koa'
import { describeWithServices } from '@tx402/testing/services'
import Koa from 'koa'
import { type AnvilCredit, startAnvilCredit } from './test/credit/anvilCredit.js'
import { payOnAnvil } from './test/delivery/anvilPayment.js'
import { centOnAnvil } from './test/delivery/anvilPaywall.js'
import { redisPostgresUnderTest } from './test/ledgersUnderTest.js'
import { type Nginx, startNginx } from './test/nginx.js'

// A paid route behind a stock nginx `proxy_cache` (docs/protocol.md section 5.1): what one payer
// paid for (its body, its receipt, its credit token) is never served from the shared cache to
// another client, whatever `Cache-Control` the route itself sets.
const secret = 'shared-cache-secret-at-least-32-bytes!!'

describeWithServices(
  'paid responses behind nginx proxy_cache (anvil, Redis + PostgreSQL)',
  ['postgres', 'redis', 'nginx'],
  function () {
    this.timeout(120_000)
    let lab: AnvilCredit
    let ledger: Ledger & { close(): Promise<void> }
    let nginx: Nginx
    let close: () => Promise<void> = async () => {}
    const handled: string[] = []

    before(async () => {
      lab = await startAnvilCredit()
      ledger = await redisPostgresUnderTest(`tx402cache:${randomBytes(4).toString('hex')}:`)
      const common = centOnAnvil(lab, ledger, secret)
      const paid = paymentRequired(common)
      const credit = paymentRequired({ ...common, credit: { packs: ['0.11'] } })
      const router = new Router()
      // Each route caches its answer the way a free route would, as many apps set globally.
      router.get('/api/cached', paid, (ctx) => {
        handled.push(ctx.path)
        ctx.set('Cache-Control', 'max-age=60')
        ctx.body = { secret: 'paid content', payer: ctx.state.payment?.payer }
      })
      router.get('/api/public', paid, (ctx) => {
        handled.push(ctx.path)
        ctx.set('Cache-Control', 'public, max-age=60, s-maxage=600')
        ctx.body = { secret: 'paid content' }
      })
      router.post('/api/kept', paid, (ctx) => {
        handled.push(ctx.path)
        ctx.set('Cache-Control', 'public, max-age=60')
        ctx.body = { secret: 'paid content' }
      })
      router.get('/api/credit', credit, (ctx) => {
        handled.push(ctx.path)
        ctx.set('Cache-Control', 'max-age=60')
        ctx.body = { secret: 'paid content', credit: ctx.state.payment?.credit?.use ?? null }
      })
      // Headers that shared caches obey over Cache-Control: nginx's X-Accel-Expires, RFC 9213's
      // CDN-Cache-Control (and vendor-targeted ones), Fastly's Surrogate-Control, Akamai's Edge-Control.
      router.get('/api/accel', paid, (ctx) => {
        handled.push(ctx.path)
        ctx.set('X-Accel-Expires', '600')
        ctx.set('CDN-Cache-Control', 'public, max-age=600')
        ctx.set('Cloudflare-CDN-Cache-Control', 'max-age=600')
        ctx.set('Surrogate-Control', 'max-age=600')
        ctx.set('Edge-Control', 'cache-maxage=600s')
        ctx.body = { secret: 'paid content' }
      })
      // A route that writes its own response, as a proxying or file-streaming route does.
      router.get('/api/raw', paid, (ctx) => {
        handled.push(ctx.path)
        ctx.respond = false
        ctx.res.writeHead(200, {
          'content-type': 'application/json',
          'cache-control': 'max-age=60',
        })
        ctx.res.end(JSON.stringify({ secret: 'paid content' }))
      })
      router.get('/api/outer', paid, (ctx) => {
        handled.push(ctx.path)
        ctx.body = { secret: 'paid content' }
      })
      const app = new Koa()
      app.silent = true
      // An outer middleware that marks its answers cacheable after the paid route ran.
      app.use(async (ctx, next) => {
        await next()
        if (ctx.path === '/api/outer') ctx.set('Cache-Control', 'public, max-age=60')
      })
      app.use(router.routes())
      const server = app.listen(0, '127.0.0.1')
      await once(server, 'listening')
      close = async () => {
        server.closeAllConnections()
        await new Promise((resolve) => server.close(resolve))
      }
      nginx = await startNginx({
        upstreamPort: (server.address() as AddressInfo).port,
        cache: true,
      })
    })
    after(async () => {
      await nginx?.stop()
      await close()
      await ledger?.close()
      await lab?.close()
    })

    /** An unpaid GET through nginx, as a stranger sends it: its status and every header. */
    const stranger = async (path: string) => {
      const response = await fetch(`${nginx.url}${path}`)
      const text = await response.text()
      return { status: response.status, headers: response.headers, text }
    }

    it('keeps a paid 200 with the route max-age out of the shared cache: the next stranger gets 402', async () => {
      const url = `${nginx.url}/api/cached`
      const { headers } = await payOnAnvil(lab, url)
      const paid = await fetch(url, { headers })
      assert.equal(paid.status, 200, await nginx.errorLog())
      assert.match(await paid.text(), /paid content/)

      const next = await stranger('/api/cached')
      assert.equal(
        next.status,
        402,
        `the stranger got ${next.status} (${next.headers.get('x-cache-status')})`,
      )
      assert.doesNotMatch(next.text, /paid content/)
      assert.equal(next.headers.get('payment-response'), null)
      assert.equal(next.headers.get('cache-control'), 'no-store')
      assert.match(next.headers.get('vary') ?? '', /x-payment-tx/i)
      assert.equal(paid.headers.get('cache-control'), 'max-age=60, private')
      assert.ok(paid.headers.get('payment-response'))
      assert.match(paid.headers.get('vary') ?? '', /x-payment-tx/i)
    })

    it('overrides a route public and s-maxage, and a re-delivery is private too', async () => {
      const url = `${nginx.url}/api/public`
      const { headers } = await payOnAnvil(lab, url)
      const paid = await fetch(url, { headers })
      assert.equal(paid.status, 200)
      await paid.arrayBuffer()
      const first = await stranger('/api/public')
      assert.equal(
        first.status,
        402,
        `the stranger got ${first.status} (${first.headers.get('x-cache-status')})`,
      )
      assert.equal(paid.headers.get('cache-control'), 'max-age=60, private')
      // The same payment again: a re-delivery (its payer lost the answer), still the payer's own.
      let again: Response
      for (let i = 0; ; i++) {
        again = await fetch(url, { headers })
        if (again.status !== 409 || i === 50) break
        await again.arrayBuffer()
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
      assert.equal(again.status, 200)
      await again.arrayBuffer()
      assert.match(atob(again.headers.get('payment-response')!), /"redelivered":true/)
      assert.equal(again.headers.get('cache-control'), 'max-age=60, private')

      const next = await stranger('/api/public')
      assert.equal(
        next.status,
        402,
        `the stranger got ${next.status} (${next.headers.get('x-cache-status')})`,
      )
      assert.doesNotMatch(next.text, /paid content/)
    })

    for (const [path, who] of [
      ['/api/outer', 'an outer middleware sets public after the route ran'],
      ['/api/raw', 'the route writes its own headers to ctx.res'],
    ] as const) {
      it(`keeps the paid answer private when ${who}`, async () => {
        const url = `${nginx.url}${path}`
        const paid = await fetch(url, { headers: (await payOnAnvil(lab, url)).headers })
        assert.equal(paid.status, 200)
        assert.match(await paid.text(), /paid content/)
        const next = await stranger(path)
        assert.equal(
          next.status,
          402,
          `the stranger got ${next.status} (${next.headers.get('x-cache-status')})`,
        )
        assert.doesNotMatch(next.text, /paid content/)
        assert.equal(paid.headers.get('cache-control'), 'max-age=60, private')
      })
    }

    it('strips the headers a shared cache obeys over Cache-Control: the cache serves no answer past the re-delivery bound', async () => {
      const url = `${nginx.url}/api/accel`
      const { headers } = await payOnAnvil(lab, url)
      const paid = await fetch(url, { headers })
      assert.equal(paid.status, 200)
      await paid.arrayBuffer()
      for (const name of [
        'cdn-cache-control',
        'cloudflare-cdn-cache-control',
        'surrogate-control',
        'edge-control',
      ]) {
        assert.equal(paid.headers.get(name), null, `${name} reached the client`)
      }
      const before = handled.filter((path) => path === '/api/accel').length
      // The payer presents the same payment again and again: within the bound (3) each is a
      // re-delivery the route serves and the ledger counts; never one nginx answers from its cache.
      const answers: string[] = []
      const cacheStatuses: string[] = []
      for (let i = 0; i < 60 && answers.length < 5; i++) {
        const again = await fetch(url, { headers })
        const text = await again.text()
        const code =
          again.status === 200 ? 'served' : (JSON.parse(text) as { error?: string }).error
        if (code === 'payment_in_progress') {
          await new Promise((resolve) => setTimeout(resolve, 50))
          continue
        }
        answers.push(`${again.status} ${code}`)
        cacheStatuses.push(again.headers.get('x-cache-status') ?? '-')
      }
      assert.ok(!cacheStatuses.includes('HIT'), cacheStatuses.join(', '))
      assert.deepEqual(answers, [
        '200 served',
        '200 served',
        '200 served',
        '402 tx_already_used',
        '402 tx_already_used',
      ])
      assert.equal(handled.filter((path) => path === '/api/accel').length, before + 3)
    })

    it('never lets a stranger have a credit purchase and its PAYMENT-CREDIT token', async () => {
      const url = `${nginx.url}/api/credit`
      const { headers } = await payOnAnvil(lab, url, { amount: 110_000n })
      const bought = await fetch(url, { headers })
      assert.equal(bought.status, 200)
      assert.match(await bought.text(), /"credit":"bought"/)
      assert.ok(bought.headers.get('payment-credit'))

      const next = await stranger('/api/credit')
      assert.equal(
        next.status,
        402,
        `the stranger got ${next.status} (${next.headers.get('x-cache-status')})`,
      )
      assert.equal(next.headers.get('payment-credit'), null)
      assert.doesNotMatch(next.text, /paid content/)
      assert.equal(bought.headers.get('cache-control'), 'max-age=60, private, no-store')
    })

    it('replays a kept POST response as private, not with the public it was stored with', async () => {
      const url = `${nginx.url}/api/kept`
      const { headers } = await payOnAnvil(lab, url, { method: 'POST' })
      const paid = await fetch(url, { method: 'POST', headers })
      assert.equal(paid.status, 200)
      await paid.arrayBuffer()
      assert.equal(paid.headers.get('cache-control'), 'max-age=60, private')
      let replayed: Response
      for (let i = 0; ; i++) {
        replayed = await fetch(url, { method: 'POST', headers })
        if (replayed.status !== 409 || i === 50) break
        await replayed.arrayBuffer()
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
      assert.equal(replayed.status, 200)
      assert.match(await replayed.text(), /paid content/)
      assert.match(atob(replayed.headers.get('payment-response')!), /"redelivered":true/)
      assert.equal(replayed.headers.get('cache-control'), 'max-age=60, private')
    })
  },
)
