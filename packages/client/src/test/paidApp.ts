import type { AddressInfo } from 'node:net'
import Router from '@koa/router'
import {
  type ChainPlugin,
  decodeBase64Json,
  type Logger,
  memoryLedger,
  type PaymentResponse,
  VerifierUnavailableError,
  type VerifyResult,
} from '@tx402/core'
import { type PaymentRequiredOptions, paymentRequired } from '@tx402/koa'
import Koa from 'koa'

/**
 * A running Koa app with a paid route at `/api/weather` (`/api/old-weather` redirects to it,
 * `/api/flaky`'s handler fails once, `/api/dropped` loses the connection of its first paid
 * requests, and `/api/long/:segment` serves paths of any length).
 */
export interface PaidApp {
  url: string
  origin: string
  /** The `x-payment-tx` of every request the app received (null when it carried none). */
  presented: (string | null)[]
  /** The `x-payment-*` headers of every paid request the app received, in order. */
  paymentHeaders: Record<string, string>[]
  stop(): Promise<void>
}

/**
 * How `/api/dropped` loses the response of its first `count` paid requests: the connection is
 * destroyed before anything is sent (`before-headers`) or after the status line, headers and part
 * of the body (`mid-body`), and the handler then fails, so the server releases the payment.
 */
export interface DroppedResponses {
  count: number
  at: 'before-headers' | 'mid-body'
}

/**
 * Starts a Koa app on a free loopback port: `paymentRequired` from @tx402/koa with core's
 * `memoryLedger`, at `price` (default 0.01 USDC) on `chains`.
 */
export async function startPaidApp(options: {
  chains: ChainPlugin[]
  price?: string
  asset?: string
  requireProof?: boolean
  drop?: DroppedResponses
  /** More engine options (claimTtlMs, maxStoredResponseBytes, ledger…). */
  engine?: Partial<PaymentRequiredOptions>
  /** Mounts more routes: `paid` is the app's `paymentRequired`. */
  routes?: (router: Router, paid: Koa.Middleware, app: Koa) => void
  /** Default: the engine's (600). */
  redeliveryWindowSeconds?: number
  /** Default: a logger that drops everything. */
  logger?: Logger
}): Promise<PaidApp> {
  const app = new Koa()
  // The failures the tests provoke are what they assert, not noise for the console.
  app.silent = true
  const router = new Router()
  const presented: (string | null)[] = []
  const paymentHeaders: Record<string, string>[] = []
  app.use((ctx, next) => {
    presented.push(ctx.get('x-payment-tx') || null)
    const sent = Object.entries(ctx.headers).filter(([name]) => name.startsWith('x-payment-'))
    if (sent.length) paymentHeaders.push(Object.fromEntries(sent) as Record<string, string>)
    return next()
  })
  const paid = paymentRequired({
    price: options.price ?? '0.01',
    asset: options.asset ?? 'USDC',
    chains: options.chains,
    ledger: memoryLedger(),
    secret: 'client-test-secret-of-at-least-32-bytes!',
    requireProof: options.requireProof ?? false,
    ...(options.redeliveryWindowSeconds === undefined
      ? {}
      : { redeliveryWindowSeconds: options.redeliveryWindowSeconds }),
    logger: options.logger ?? { info() {}, warn() {}, error() {} },
    ...options.engine,
  })
  let flakyFailures = 1
  router.get('/api/weather', paid, (ctx) => {
    ctx.body = { forecast: 'sunny', paidWith: ctx.state.payment?.transaction }
  })
  router.get('/api/long/:segment', paid, (ctx) => {
    ctx.body = { length: ctx.path.length, paidWith: ctx.state.payment?.transaction }
  })
  // A same-origin redirect to the paid route.
  router.get('/api/old-weather', (ctx) => ctx.redirect('/api/weather'))
  router.post('/api/echo', paid, async (ctx) => {
    let text = ''
    for await (const chunk of ctx.req) text += chunk
    ctx.body = { echo: text, paidWith: ctx.state.payment?.transaction }
  })
  router.get('/api/flaky', paid, (ctx) => {
    if (flakyFailures-- > 0) {
      ctx.status = 500
      ctx.body = { error: 'internal', message: 'The handler failed.' }
      return
    }
    ctx.body = { ok: true, paidWith: ctx.state.payment?.transaction }
  })
  const drop = { count: 0, at: 'before-headers', ...options.drop }
  router.get('/api/dropped', paid, async (ctx) => {
    if (drop.count-- > 0) {
      if (drop.at === 'mid-body') {
        ctx.res.writeHead(200, { 'content-type': 'application/json' })
        await new Promise((resolve) => ctx.res.write('{"forecast":', resolve))
      }
      ctx.req.socket.destroy()
      // Exposed: Koa would log it otherwise; nobody is left to read it.
      throw Object.assign(new Error('The connection was lost (scripted).'), { expose: true })
    }
    ctx.body = { forecast: 'sunny', paidWith: ctx.state.payment?.transaction }
  })
  options.routes?.(router, paid, app)
  app.use(router.routes())
  const server = app.listen(0, '127.0.0.1')
  await new Promise<void>((resolve) => server.once('listening', resolve))
  const { port } = server.address() as AddressInfo
  const origin = `http://127.0.0.1:${port}`
  return {
    url: `${origin}/api/weather`,
    origin,
    presented,
    paymentHeaders,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/** The `PAYMENT-RESPONSE` of a served response. */
export function paymentResponse(headers: { get(name: string): string | null }): PaymentResponse {
  const header = headers.get('payment-response')
  if (!header) throw new Error('No PAYMENT-RESPONSE header')
  return decodeBase64Json<PaymentResponse>(header)
}

/**
 * Wraps a real chain plugin so its first `times` verifications answer something else first
 * (pending, or an RPC fault that the engine answers 503), then the real verdict; without
 * `first`, every verdict is the real one. Every verified
 * transaction id is recorded in `verifications`.
 */
export function scriptedFirst(
  plugin: ChainPlugin,
  first?: 'pending' | 'unavailable' | VerifyResult,
  times = 1,
): ChainPlugin & { verifications: string[] } {
  let left = times
  const verifications: string[] = []
  return {
    ...plugin,
    verifications,
    async verify(context) {
      verifications.push(context.txId)
      if (first && left > 0) {
        left--
        if (first === 'pending') return { status: 'pending', retryAfterMs: 1000 }
        if (first === 'unavailable') throw new VerifierUnavailableError('RPC down (scripted).')
        return first
      }
      return plugin.verify(context)
    },
  }
}
