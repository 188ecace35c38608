import type { Context } from 'koa'
import onHeaders from 'on-headers'

/** Whether the route's handler has returned (`servedByRoute` marks it). */
export interface RouteWrites {
  returned: boolean
}

/**
 * Puts the payment's own headers (`PAYMENT-RESPONSE`, `PAYMENT-CREDIT`) on a response the route
 * writes itself through `ctx.res` (before its handler returns, or with `ctx.respond = false`),
 * right before its headers go out, when the answer is one the payment pays for (`charged`, given
 * the status: below 400, and not a GET's redirect within this server, docs/protocol.md 6.3);
 * a header the route set is left as it is. A released answer carries no receipt: the payer
 * would take it as charged and forget a payment still usable. A response Koa writes gets them
 * from the middleware, after its claim check.
 *
 * @example const written = routeWrites(ctx, outcome.headers, (status) => status < 400)
 */
export function routeWrites(
  ctx: Context,
  headers: Record<string, string>,
  charged: (status: number) => boolean,
): RouteWrites {
  const state: RouteWrites = { returned: false }
  onHeaders(ctx.res, () => {
    if ((state.returned && ctx.respond !== false) || !charged(ctx.res.statusCode)) return
    for (const [name, value] of Object.entries(headers)) {
      if (!ctx.res.hasHeader(name)) ctx.res.setHeader(name, value)
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
