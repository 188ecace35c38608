import type { ServerResponse } from 'node:http'
import { headerNames, mergeCacheControl, overridesCacheControl } from '@tx402/core'
import type { Context } from 'koa'
import onHeaders from 'on-headers'

// Responses whose headers are merged again right before they are sent (one hook each).
const guarded = new WeakSet<ServerResponse>()

/**
 * Sets an outcome's headers on the response, merging its `Cache-Control` and `Vary` with the
 * route's own instead of replacing them (docs/protocol.md section 5.1): a route's `max-age=60`
 * stays, its `public` or `s-maxage` gives way to `private`; a response carrying `PAYMENT-CREDIT`
 * (also a kept one re-delivered) is `no-store`; `Vary` gains the payment headers; the fields a
 * shared cache obeys over `Cache-Control` (`X-Accel-Expires`, `CDN-Cache-Control`,
 * `Surrogate-Control`, `Edge-Control`) are removed. The merge is
 * made again right before the headers are sent (`guardCacheHeaders`), so an outer middleware
 * setting `Cache-Control` afterwards cannot undo it.
 *
 * @example setOutcomeHeaders(ctx, outcome.headers)
 */
export function setOutcomeHeaders(ctx: Context, headers: Record<string, string>): void {
  const { 'cache-control': _required, vary: _vary, ...rest } = headers
  ctx.set(rest)
  guardCacheHeaders(ctx, headers)
  mergeCacheHeaders(ctx, headers)
}

/**
 * Merges the outcome's `Cache-Control` and `Vary` into whatever the response holds at the moment
 * its headers are sent (with `on-headers`), whoever writes them: Koa after the middleware chain,
 * an outer middleware's late `ctx.set`, or a route writing to `ctx.res` itself
 * (`ctx.respond = false`). Call it before the route runs to cover the last case. Once per
 * response; the first outcome's headers are kept.
 *
 * @example guardCacheHeaders(ctx, outcome.headers); await next()
 */
export function guardCacheHeaders(ctx: Context, headers: Record<string, string>): void {
  if (guarded.has(ctx.res)) return
  guarded.add(ctx.res)
  onHeaders(ctx.res, () => mergeCacheHeaders(ctx, headers))
}

function mergeCacheHeaders(ctx: Context, headers: Record<string, string>): void {
  const { 'cache-control': required, vary } = headers
  const { res } = ctx
  // Koa's `vary` (the `vary` package) appends each field once, keeping the route's.
  if (vary) for (const field of vary.split(',')) ctx.vary(field.trim())
  if (required === undefined) return
  const route = res.getHeader('cache-control')
  res.setHeader(
    'cache-control',
    mergeCacheControl(
      Array.isArray(route) ? route.join(', ') : route?.toString(),
      required,
      res.hasHeader(headerNames.paymentCredit),
    ),
  )
  // A shared cache obeying one of these (nginx's X-Accel-Expires, CDN-Cache-Control) would keep
  // the answer whatever Cache-Control says.
  for (const name of res.getHeaderNames()) if (overridesCacheControl(name)) res.removeHeader(name)
}
