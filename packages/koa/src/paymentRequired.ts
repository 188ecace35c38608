import {
  createPaymentEngine,
  type PaymentEngineOptions,
  type PaymentReceipt,
  type RespondOutcome,
  type StartupChecks,
  startupChecks,
} from '@tx402/core'
import type { Context, Middleware, Next } from 'koa'

declare module 'koa' {
  interface DefaultState {
    /** Set by `paymentRequired` once a payment is verified: what paid for this request. */
    payment?: PaymentReceipt
  }
}

/** Options of `paymentRequired`: the route's price, its chains, the ledger and the secret. */
export type PaymentRequiredOptions = PaymentEngineOptions

/**
 * The middleware, with its startup check and health report: `await paid.ready()` before
 * listening; `await paid.health()` in a health route (503 when `ok` is false).
 */
export type PaidMiddleware = Middleware & StartupChecks

const paymentHeaders = ['x-payment-tx', 'x-payment-chain', 'x-payment-challenge', 'x-payment-proof']

/**
 * Koa middleware that answers 402 until a request carries a verified payment, then runs the
 * route and commits the payment only if the route answered below 400. Options are validated
 * here, at setup: a missing secret, ledger, chain or asset throws before the app listens.
 *
 * @example
 * router.get('/api/weather', paymentRequired({
 *   price: '0.01', asset: 'USDC',
 *   chains: [base({ rpcUrl, payTo })], ledger, secret: process.env.TX402_SECRET!,
 * }), (ctx) => { ctx.body = { forecast: 'sunny', paidBy: ctx.state.payment?.payer } })
 * @example
 * const paid = paymentRequired(options)
 * await paid.ready() // throws, naming the chain or the ledger, when one is unreachable or wrong
 * router.get('/api/health', async (ctx) => {
 *   const health = await paid.health()
 *   ctx.status = health.ok ? 200 : 503
 *   ctx.body = health
 * })
 */
export function paymentRequired(options: PaymentRequiredOptions): PaidMiddleware {
  const engine = createPaymentEngine(options)
  return Object.assign(middleware, startupChecks(options))

  async function middleware(ctx: Context, next: Next): Promise<void> {
    const outcome = await engine.handle({
      method: ctx.method,
      path: ctx.path,
      headers: collectPaymentHeaders(ctx.req.rawHeaders),
      client: ctx.ip,
    })
    switch (outcome.type) {
      case 'payment_required':
      case 'error':
        return write(ctx, outcome)
      case 'paid': {
        ctx.state.payment = outcome.payment
        let served = false
        try {
          await next()
          served = ctx.status < 400
        } finally {
          const failure = await outcome.finish(served)
          if (failure) {
            delete ctx.state.payment
            write(ctx, failure)
          } else if (served) {
            ctx.set(outcome.headers)
          }
        }
        return
      }
    }
  }
}

function write(ctx: Context, outcome: RespondOutcome): void {
  ctx.status = outcome.status
  ctx.set(outcome.headers)
  ctx.body = outcome.body
}

// From rawHeaders, so a header sent twice is seen twice (Node joins custom duplicates with ', ').
function collectPaymentHeaders(rawHeaders: string[]): Record<string, string[]> {
  const headers: Record<string, string[]> = {}
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toLowerCase()
    if (!paymentHeaders.includes(name)) continue
    const values = headers[name] ?? []
    values.push(rawHeaders[i + 1] ?? '')
    headers[name] = values
  }
  return headers
}
