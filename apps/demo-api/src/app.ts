import { createCipheriv, createHash, randomBytes } from 'node:crypto'
import { bodyParser } from '@koa/bodyparser'
import cors from '@koa/cors'
import Router from '@koa/router'
import type { ChainPlugin, Ledger, Logger } from '@tx402/core'
import { paymentRequired } from '@tx402/koa'
import type { PrometheusObserver } from '@tx402/metrics'
import Koa from 'koa'

/** What the demo app is built from: chains and ledger are made by the caller. */
export interface DemoAppOptions {
  chains: readonly ChainPlugin[]
  ledger: Ledger
  secret: string
  priceWeather: string
  priceEncrypt: string
  maxAgeSeconds?: number
  logger?: Logger
  /**
   * The prepaid credit pack `GET /api/forecast` sells (decimal USDC; docs/protocol.md section 7),
   * at `priceWeather` a call. Default `'0.05'`: one payment buys 5 calls. The ledger must keep
   * credit (`embeddedLedger`, `redisPostgresLedger`).
   */
  creditPack?: string
  /** Metrics of every paid route, served at `/metrics`. */
  observer?: PrometheusObserver
  /** The browser page at `/` (the demo builds it; a plain API serves none). */
  page?: DemoPage
  /**
   * CORS for pages on other origins (`@koa/cors` options, mounted before the routes), e.g.
   * `{ origin, ...paymentCorsOptions() }`. Default none: only same-origin pages can pay.
   */
  cors?: cors.Options
}

/** The page at `/`: its HTML and the bundled script it loads from `/app.js`. */
export interface DemoPage {
  html: string
  script: string
}

/**
 * The demo API: free `GET /api/health`, paid `GET /api/weather` and `POST /api/encrypt`, and
 * `GET /api/forecast`, which also sells prepaid credit (a pack of `creditPack`).
 *
 * @example createDemoApp({ chains, ledger, secret, priceWeather: '0.01', priceEncrypt: '0.10' }).listen(3402)
 */
export function createDemoApp(options: DemoAppOptions): Koa {
  const shared = {
    chains: options.chains,
    ledger: options.ledger,
    secret: options.secret,
    asset: 'USDC',
    ...(options.maxAgeSeconds !== undefined ? { maxAgeSeconds: options.maxAgeSeconds } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.observer ? { observer: options.observer } : {}),
  }
  const encryptionKey = createHash('sha256')
    .update(`demo encryption key\n${options.secret}`)
    .digest()
  const router = new Router()

  const { page, observer } = options
  if (page) {
    router.get('/', (ctx) => {
      ctx.type = 'html'
      ctx.body = page.html
    })
    router.get('/app.js', (ctx) => {
      ctx.type = 'application/javascript'
      ctx.body = page.script
    })
  }
  if (observer) {
    router.get('/metrics', async (ctx) => {
      ctx.type = observer.registry.contentType
      ctx.body = await observer.registry.metrics()
    })
  }

  const weather = paymentRequired({ ...shared, price: options.priceWeather })
  // Every chain's RPC and the ledger, asked now: 503 while one is down.
  router.get('/api/health', async (ctx) => {
    const health = await weather.health()
    ctx.status = health.ok ? 200 : 503
    ctx.body = health
  })

  router.get('/api/weather', weather, (ctx) => {
    const payment = ctx.state.payment!
    ctx.body = {
      city: 'Lisbon',
      forecast: 'sunny',
      temperatureC: 21,
      paidWith: { chain: payment.chain, transaction: payment.transaction, payer: payment.payer },
    }
  })

  // One payment of a pack, then calls spent from the balance without paying on chain.
  const forecast = paymentRequired({
    ...shared,
    price: options.priceWeather,
    credit: { packs: [options.creditPack ?? '0.05'], expiresInSeconds: 3600, scope: 'forecast' },
  })
  let day = 0
  router.get('/api/forecast', forecast, (ctx) => {
    day++
    ctx.body = { city: 'Lisbon', day, forecast: day % 3 === 0 ? 'cloudy' : 'sunny' }
  })

  router.post(
    '/api/encrypt',
    // Payment first: an unpaid body is never read; a body that fails to parse is a 400, which
    // releases the payment.
    paymentRequired({ ...shared, price: options.priceEncrypt }),
    bodyParser({ enableTypes: ['json'], jsonLimit: '16kb' }),
    (ctx) => {
      const text = (ctx.request.body as { text?: unknown } | undefined)?.text
      if (typeof text !== 'string' || text.length === 0 || text.length > 4096) {
        // 400: the payment is released, so the payer can retry with a good body.
        ctx.status = 400
        ctx.body = {
          error: 'invalid_body',
          message:
            'Send JSON {"text": "..."} with 1 to 4096 characters. Your payment was not used.',
        }
        return
      }
      const iv = randomBytes(12)
      const cipher = createCipheriv('aes-256-gcm', encryptionKey, iv)
      const ciphertext = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()])
      ctx.body = {
        algorithm: 'aes-256-gcm',
        iv: iv.toString('base64'),
        ciphertext: ciphertext.toString('base64'),
        tag: cipher.getAuthTag().toString('base64'),
      }
    },
  )

  const app = new Koa()
  if (options.cors) app.use(cors(options.cors))
  app.use(router.routes()).use(router.allowedMethods())
  return app
}
