import { headerNames, mergeCacheControl } from '@tx402/core'
import type { Context } from 'koa'

/**
 * Sets an outcome's headers on the response, merging its `Cache-Control` and `Vary` with the
 * route's own instead of replacing them (docs/protocol.md section 5.1): a route's `max-age=60`
 * stays, its `public` or `s-maxage` gives way to `private`; a response carrying `PAYMENT-CREDIT`
 * (also a kept one re-delivered) is `no-store`; `Vary` gains the payment headers.
 *
 * @example setOutcomeHeaders(ctx, outcome.headers)
 */
export function setOutcomeHeaders(ctx: Context, headers: Record<string, string>): void {
  const { 'cache-control': required, vary, ...rest } = headers
  ctx.set(rest)
  // Koa's `vary` (the `vary` package) appends each field once, keeping the route's.
  if (vary) for (const field of vary.split(',')) ctx.vary(field.trim())
  if (required !== undefined) {
    const route = ctx.response.headers['cache-control']
    ctx.set(
      'cache-control',
      mergeCacheControl(
        Array.isArray(route) ? route.join(', ') : route?.toString(),
        required,
        ctx.res.hasHeader(headerNames.paymentCredit),
      ),
    )
  }
}
