import {
  createPaymentEngine,
  type PaidOutcome,
  type PaymentEngineOptions,
  type PaymentReceipt,
  paymentRequestHeaders,
  type RespondOutcome,
  type StartupChecks,
  type StoredResponse,
  startupChecks,
} from '@tx402/core'
import type { Context, Middleware, Next } from 'koa'
import onFinished from 'on-finished'
import { guardCacheHeaders, setOutcomeHeaders } from './cacheHeaders.js'
import {
  type ClientIdentityOptions,
  clientIdentity,
  splitClientIdentity,
} from './clientIdentity.js'
import { captureResponse, clearResponse, writeStoredResponse } from './storedResponse.js'

declare module 'koa' {
  interface DefaultState {
    /**
     * Set by `paymentRequired` once a payment is verified: what paid for this request.
     * `redelivered` is true when the payer lost this paid response and asked again: the route
     * runs again (GET, HEAD) and nothing is charged, so a route must be safe to run twice for
     * one payment (docs/protocol.md section 6). `credit` is set when the request bought, topped
     * up or spent prepaid credit (section 7): `credit.use` `spent` means it was paid from the
     * balance `credit.balanceId` (`charged`, `remaining` in base units), nothing on chain
     * (`transaction` is empty).
     */
    payment?: PaymentReceipt
  }
}

/**
 * Options of `paymentRequired`: the route's price, its chains, the ledger and the secret, and
 * how clients are told apart for `limits.perClient` (`trustedProxies`, `clientKey`).
 */
export type PaymentRequiredOptions = PaymentEngineOptions & ClientIdentityOptions

/**
 * The middleware, with its startup check and health report: `await paid.ready()` before
 * listening; `await paid.health()` in a health route (503 when `ok` is false).
 */
export type PaidMiddleware = Middleware & StartupChecks

/**
 * Koa middleware that answers 402 until a request carries a verified payment, then runs the
 * route and charges the payment only for a response the server completed: status below 400 and
 * the whole body handed to the socket (docs/protocol.md section 6). A throw, a status of 400 or more,
 * a body Koa cannot write (a stream that errors, a `bigint` in JSON), an outer middleware's
 * throw or a client that went away leave the payment usable. A payer that lost a paid response
 * gets it again without paying, within `redeliveryWindowSeconds`: GET and HEAD run the route
 * again (`ctx.state.payment.redelivered`), other methods get the kept response byte for byte.
 * Options are validated here, at setup: a missing secret, ledger, chain or asset throws before
 * the app listens.
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
  const { identity, engineOptions } = splitClientIdentity(options)
  const engine = createPaymentEngine(engineOptions)
  const clientOf = clientIdentity(identity, {
    logger: engineOptions.logger,
    limited: Boolean(engineOptions.limits?.perClient),
  })
  return Object.assign(middleware, startupChecks(engineOptions))

  async function middleware(ctx: Context, next: Next): Promise<void> {
    const outcome = await engine.handle({
      method: ctx.method,
      path: ctx.path,
      headers: collectPaymentHeaders(ctx.req.rawHeaders),
      client: clientOf(ctx),
    })
    switch (outcome.type) {
      case 'payment_required':
      case 'error':
        return write(ctx, outcome)
      case 'replay':
        ctx.state.payment = outcome.payment
        writeStoredResponse(ctx, outcome.response)
        setOutcomeHeaders(ctx, outcome.headers)
        return
      case 'paid':
        return servePaid(ctx, next, outcome)
    }
  }
}

async function servePaid(ctx: Context, next: Next, outcome: PaidOutcome): Promise<void> {
  ctx.state.payment = outcome.payment
  // Before the route runs: one that writes to ctx.res itself sends its headers during next().
  guardCacheHeaders(ctx, outcome.headers)
  let kept: StoredResponse | undefined
  try {
    await next()
    if (ctx.status >= 400 || !ctx.writable) {
      // Not served, or nobody left to serve it to.
      await outcome.settle(false)
      return
    }
    if (outcome.storeResponseUpTo !== undefined) {
      kept = captureResponse(ctx, outcome.storeResponseUpTo)
    }
  } catch (error) {
    await outcome.settle(false)
    throw error
  }
  // The last moment before Koa writes the first byte: is the claim still ours?
  const failure = await outcome.confirm()
  if (failure) {
    delete ctx.state.payment
    clearResponse(ctx)
    write(ctx, failure)
    return
  }
  setOutcomeHeaders(ctx, outcome.headers)
  // Koa writes the body after the middleware chain returns; only the response itself says
  // whether it reached the socket whole, and with what status an outer layer left it.
  onFinished(ctx.res, (error) => {
    const delivered = !error && ctx.res.writableFinished && ctx.res.statusCode < 400
    void outcome.settle(delivered, delivered ? kept : undefined)
  })
}

function write(ctx: Context, outcome: RespondOutcome): void {
  ctx.status = outcome.status
  setOutcomeHeaders(ctx, outcome.headers)
  ctx.body = outcome.body
}

// From rawHeaders, so a header sent twice is seen twice (Node joins custom duplicates with ', ').
function collectPaymentHeaders(rawHeaders: string[]): Record<string, string[]> {
  const headers: Record<string, string[]> = {}
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const raw = rawHeaders[i]!
    // Every payment header starts with x- (or X-): others are passed over without lower-casing.
    if ((raw.charCodeAt(0) | 0x20) !== 0x78 || raw.charCodeAt(1) !== 0x2d) continue
    const name = raw.toLowerCase()
    if (!paymentRequestHeaders.includes(name)) continue
    const values = headers[name] ?? []
    values.push(rawHeaders[i + 1] ?? '')
    headers[name] = values
  }
  return headers
}
