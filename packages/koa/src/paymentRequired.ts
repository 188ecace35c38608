import {
  createPaymentEngine,
  isChargedAnswer,
  type PaidOutcome,
  type PaymentEngineOptions,
  type PaymentReceipt,
  type RespondOutcome,
  type RouteAnswer,
  type StartupChecks,
  type StoredResponse,
  startupChecks,
} from '@tx402/core'
import type { Context, Middleware, Next } from 'koa'
import { guardCacheHeaders, setOutcomeHeaders } from './cacheHeaders.js'
import {
  type ClientIdentityOptions,
  clientIdentity,
  splitClientIdentity,
} from './clientIdentity.js'
import { type ChargeRule, chargeRule, watchDelivery } from './deliveryWatch.js'
import { routeWrites, servedByRoute } from './routeWrites.js'
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
 * `charge`, when a paid response counts as served (`ChargeRule`: `'firstByte'`, the default,
 * or `'delivered'`; docs/protocol.md section 6.1), and how clients are told apart for
 * `limits.perClient` (`trustedProxies`, `clientKey`).
 */
export type PaymentRequiredOptions = PaymentEngineOptions &
  ClientIdentityOptions & { charge?: ChargeRule | undefined }

/**
 * The middleware, with its startup check and health report: `await paid.ready()` before
 * listening; `await paid.health()` in a health route (503 when `ok` is false).
 */
export type PaidMiddleware = Middleware & StartupChecks

/**
 * Koa middleware that answers 402 until a request carries a verified payment, then runs the
 * route and charges the payment only for a response the server served (docs/protocol.md
 * section 6), whoever wrote it (Koa, or the route itself through `ctx.res` with
 * `ctx.respond = false`): status below 400 and, under `charge: 'firstByte'` (the default), its
 * first body byte handed to the open connection with no failure on the server's side (a client
 * that leaves mid-body has consumed the payment and gets the answer again by re-delivery), or
 * under `charge: 'delivered'` the whole response handed to the socket. A throw, a status of 400
 * or more, a body Koa cannot write (a stream that errors, a `bigint` in JSON), an outer
 * middleware's throw or a client that went away before any body byte leave the payment usable.
 * A payer that lost a paid response gets it again without paying, within
 * `redeliveryWindowSeconds` and at most `maxRedeliveries` times, for the same method, path and
 * query: GET and HEAD run the route again (`ctx.state.payment.redelivered`), other methods get
 * the kept response byte for byte. A GET's or HEAD's redirect within this server (a relative
 * `Location`, or an absolute one naming the `realm` option's host, never judged by the `Host`
 * header a client writes) serves nothing and is not charged (section 6.3). Challenges name the origin and full path the client asked
 * (`ctx.originalUrl`, so apps mounted with koa-mount under one secret keep theirs apart), or the
 * `realm` option.
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
  const rule = chargeRule(options?.charge)
  // `charge` and the client identity are this adapter's; the engine refuses any option it does
  // not know.
  const { identity, engineOptions } = splitClientIdentity(
    options && 'charge' in options ? omitCharge(options) : options,
  )
  const engine = createPaymentEngine(engineOptions)
  // tx402's own headers all start with x-: then others are passed over without lower-casing.
  const onlyX = engine.requestHeaders.every((name) => name.startsWith('x-'))
  // The origin this route is known by, from its realm (checked by the engine): a redirect's
  // absolute Location is judged against it, never against the Host the client wrote.
  const knownOrigin = engineOptions.realm ? new URL(engineOptions.realm).origin : undefined
  const clientOf = clientIdentity(identity, {
    logger: engineOptions.logger,
    limited: Boolean(engineOptions.limits?.perClient),
  })
  return Object.assign(middleware, startupChecks(engineOptions))

  async function middleware(ctx: Context, next: Next): Promise<void> {
    const outcome = await engine.handle({
      method: ctx.method,
      // The path the client asked for: a mounted app's ctx.path lacks its prefix (the realm).
      path: askedPath(ctx),
      query: ctx.querystring,
      origin: ctx.origin,
      headers: collectPaymentHeaders(ctx.req.rawHeaders, engine.requestHeaders, onlyX),
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
        return servePaid(ctx, next, outcome, rule, knownOrigin)
    }
  }
}

async function servePaid(
  ctx: Context,
  next: Next,
  outcome: PaidOutcome,
  rule: ChargeRule,
  knownOrigin: string | undefined,
): Promise<void> {
  ctx.state.payment = outcome.payment
  // Watched from before the route runs: a route may write the response itself.
  const charged = (status: number) => isChargedAnswer(answerOf(ctx, status, knownOrigin))
  const watch = watchDelivery(ctx.res, rule, charged)
  const written = routeWrites(ctx, outcome.headers, charged)
  // Before the route runs: one that writes to ctx.res itself sends its headers during next().
  guardCacheHeaders(ctx, outcome.headers)
  let kept: StoredResponse | undefined
  try {
    await next()
    if (servedByRoute(ctx, written)) {
      // The route wrote (or is writing) `ctx.res` itself: Koa will not, so there is no moment
      // before its first byte to confirm the claim (the heartbeat kept it); the response alone
      // says whether it was served.
      watch.onEnded((charged) => void outcome.settle(charged))
      return
    }
    if (!isChargedAnswer(answerOf(ctx, ctx.status, knownOrigin)) || !ctx.writable) {
      // Not served (an error, a GET's redirect within the origin), or nobody left to serve it to.
      await outcome.settle(false)
      return
    }
    if (outcome.storeResponseUpTo !== undefined) {
      kept = captureResponse(ctx, outcome.storeResponseUpTo)
    }
  } catch (error) {
    if (servedByRoute(ctx, written)) {
      // It wrote before throwing (a pipeline into `ctx.res` rejects when the client leaves, too):
      // the response says what was served.
      watch.routeFailed(error)
      watch.onEnded((charged) => void outcome.settle(charged))
    } else {
      await outcome.settle(false)
    }
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
  // whether it reached the socket, and with what status an outer layer left it.
  watch.watchBody(ctx.body)
  watch.onEnded((charged) => void outcome.settle(charged, charged ? kept : undefined))
}

function omitCharge({
  charge: _,
  ...options
}: PaymentRequiredOptions): Omit<PaymentRequiredOptions, 'charge'> {
  return options
}

// The answer as written: status, and the Location a redirect names (docs/protocol.md 6.3).
function answerOf(ctx: Context, status: number, origin: string | undefined): RouteAnswer {
  const location = ctx.res.getHeader('location')
  return {
    method: ctx.method,
    status,
    location: typeof location === 'string' ? location : undefined,
    origin,
  }
}

// ctx.originalUrl's path: what the client asked, before koa-mount or a router stripped a prefix.
// A request line in absolute form (`GET http://host/cheap/data`, RFC 9112 section 3.2.2) asks for
// the path after its authority: a mounted app's ctx.path (`/data`) would merge two apps' realms.
function askedPath(ctx: Context): string {
  const url = ctx.originalUrl.replace(/^[a-z][a-z\d+.-]*:\/\/[^/?#]*/i, '')
  const end = url.search(/[?#]/)
  const path = end === -1 ? url : url.slice(0, end)
  return path.startsWith('/') ? path : `/${path}`
}

function write(ctx: Context, outcome: RespondOutcome): void {
  ctx.status = outcome.status
  setOutcomeHeaders(ctx, outcome.headers)
  ctx.body = outcome.body
}

// From rawHeaders, so a header sent twice is seen twice (Node joins custom duplicates with ', ').
function collectPaymentHeaders(
  rawHeaders: string[],
  names: readonly string[],
  onlyX: boolean,
): Record<string, string[]> {
  const headers: Record<string, string[]> = {}
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const raw = rawHeaders[i]!
    // When every payment header starts with x- (or X-), others are passed over without lower-casing.
    if (onlyX && ((raw.charCodeAt(0) | 0x20) !== 0x78 || raw.charCodeAt(1) !== 0x2d)) continue
    const name = raw.toLowerCase()
    if (!names.includes(name)) continue
    const values = headers[name] ?? []
    values.push(rawHeaders[i + 1] ?? '')
    headers[name] = values
  }
  return headers
}
