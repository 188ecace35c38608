import type { Context } from 'koa'
import onHeaders from 'on-headers'

/** Whether the route's handler has returned (`servedByRoute` marks it). */
export interface RouteWrites {
  returned: boolean
}

/**
 * Decides the payment's own headers (`PAYMENT-RESPONSE`, `PAYMENT-CREDIT`) right before the
 * response's headers go out, whoever writes them, by the status then sent (`charged`: below 400,
 * and not a GET's redirect within this server, docs/protocol.md 6.3). A response the route writes
 * itself through `ctx.res` (before its handler returns, or with `ctx.respond = false`) gets them
 * when charged; a header the route set is left as it is. A response Koa writes gets them from the
 * middleware, after its claim check, and loses them here when an outer middleware turned it into
 * a released answer afterwards. A released answer carries no receipt: the payer would take it as
 * charged and forget a payment still usable.
 *
 * @example const written = routeWrites(ctx, outcome.headers, (status) => status < 400)
 */
export function routeWrites(
  ctx: Context,
  headers: Record<string, string>,
  charged: (status: number) => boolean,
): RouteWrites {
  const state: RouteWrites = { returned: false }
  const { 'cache-control': _cache, vary: _vary, ...paymentHeaders } = headers
  onHeaders(ctx.res, () => {
    const { res } = ctx
    if (!charged(res.statusCode)) {
      // Released as it is sent (an outer middleware turned the answer into an error or a redirect
      // within this server after the middleware set the receipt): take ours back off.
      for (const [name, value] of Object.entries(paymentHeaders)) {
        if (res.getHeader(name) === value) res.removeHeader(name)
      }
      return
    }
    if (state.returned && ctx.respond !== false) return
    for (const [name, value] of Object.entries(paymentHeaders)) {
      if (!res.hasHeader(name)) res.setHeader(name, value)
    }
  })
  return state
}

/**
 * Called once the handler returned: true when the route wrote (or is writing) `ctx.res` itself,
 * so Koa will not write the response and the middleware must only watch it.
 */
export function servedByRoute(ctx: Context, state: RouteWrites): boolean {
  state.returned = true
  return ctx.respond === false || ctx.res.headersSent || ctx.res.writableEnded
}
