import { headerNames } from '@tx402/core'

/** Your own header lists, as `@koa/cors` takes them: a list, or one comma-separated string. */
export interface OwnCorsHeaders {
  allowHeaders?: string | readonly string[]
  exposeHeaders?: string | readonly string[]
}

/** The CORS header lists of a paid API, in the shape `@koa/cors` takes them. */
export interface PaymentCorsOptions {
  /** Request headers a cross-origin page may send (`Access-Control-Allow-Headers`). */
  allowHeaders: string[]
  /** Response headers a cross-origin page may read (`Access-Control-Expose-Headers`). */
  exposeHeaders: string[]
}

/**
 * The CORS settings a paid API needs so that a page on another origin can pay it (Fetch
 * standard, CORS protocol): the payer's retry carries the `x-payment-*` request headers, which
 * a preflight must allow; the 402's `PAYMENT-REQUIRED`, the paid answer's `PAYMENT-RESPONSE` and
 * `PAYMENT-CREDIT` (prepaid credit), and
 * the `Retry-After` of a pending or busy payment are readable only when exposed. Spread the
 * result into `@koa/cors`'s options, with the origin your pages come from; headers your own
 * routes need are passed in and kept first. Without these lists a browser on another origin
 * either cannot send the payment (preflight refused) or cannot read the receipt.
 *
 * @param own - your API's own headers, added to tx402's (for example `['content-type']`, or
 *   `'Content-Type, Authorization'` as `@koa/cors` also takes them).
 * @example
 * import cors from '@koa/cors'
 * app.use(cors({
 *   origin: 'https://app.example.com',
 *   ...paymentCorsOptions({ allowHeaders: ['content-type'] }),
 * }))
 */
export function paymentCorsOptions(own: OwnCorsHeaders = {}): PaymentCorsOptions {
  return {
    allowHeaders: unique([
      ...names(own.allowHeaders),
      headerNames.tx,
      headerNames.chain,
      headerNames.challenge,
      headerNames.proof,
      headerNames.credit,
    ]),
    exposeHeaders: unique([
      ...names(own.exposeHeaders),
      headerNames.paymentRequired.toUpperCase(),
      headerNames.paymentResponse.toUpperCase(),
      headerNames.paymentCredit.toUpperCase(),
      'Retry-After',
    ]),
  }
}

// A string is split at its commas (spreading it would list its letters); blanks are dropped.
const names = (given: string | readonly string[] | undefined): string[] =>
  (typeof given === 'string' ? given.split(',') : [...(given ?? [])])
    .map((name) => name.trim())
    .filter(Boolean)

// Header names are case-insensitive: the first spelling of each is kept.
const unique = (names: string[]) =>
  names.filter(
    (name, i) => names.findIndex((other) => other.toLowerCase() === name.toLowerCase()) === i,
  )
