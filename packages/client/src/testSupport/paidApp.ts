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
import { paymentRequired } from '@tx402/koa'
import Koa from 'koa'

/**
 * A running Koa app with a paid route at `/api/weather` (`/api/old-weather` redirects to it, and
 * `/api/flaky`'s handler fails once).
 */
export interface PaidApp {
  url: string
  origin: string
  stop(): Promise<void>
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
  /** Default: a logger that drops everything. */
  logger?: Logger
}): Promise<PaidApp> {
  const app = new Koa()
  const router = new Router()
  const paid = paymentRequired({
    price: options.price ?? '0.01',
    asset: options.asset ?? 'USDC',
    chains: options.chains,
    ledger: memoryLedger(),
    secret: 'client-test-secret-of-at-least-32-bytes!',
    requireProof: options.requireProof ?? false,
    logger: options.logger ?? { info() {}, warn() {}, error() {} },
  })
  let flakyFailures = 1
  router.get('/api/weather', paid, (ctx) => {
    ctx.body = { forecast: 'sunny', paidWith: ctx.state.payment?.transaction }
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
  app.use(router.routes())
  const server = app.listen(0, '127.0.0.1')
  await new Promise<void>((resolve) => server.once('listening', resolve))
  const { port } = server.address() as AddressInfo
  const origin = `http://127.0.0.1:${port}`
  return {
    url: `${origin}/api/weather`,
    origin,
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
