import { headerNames } from '@tx402/core/protocol'
import { CrossOriginRedirectError } from './refusals.js'
import { isSafeMethod } from './requestFingerprint.js'

/**
 * The origin a payment for this response goes to: the asked origin, or, after a redirect, the
 * origin that answered. A 402 from another origin than the one asked is refused with
 * `CrossOriginRedirectError` unless `allowCrossOrigin` (a redirect must not let a third party
 * name the wallet that gets paid). `response.url` is the URL after redirects (Fetch standard).
 *
 * @example const origin = payableOrigin(new URL(asked), response, options.allowCrossOriginRedirect)
 */
export function payableOrigin(
  asked: URL,
  response: Pick<Response, 'url' | 'redirected'>,
  allowCrossOrigin: boolean,
): string {
  if (!response.redirected || !response.url) return asked.origin
  const answeringOrigin = new URL(response.url).origin
  if (answeringOrigin !== asked.origin && !allowCrossOrigin) {
    throw new CrossOriginRedirectError({ askedOrigin: asked.origin, answeringOrigin })
  }
  return answeringOrigin
}

/** Redirects a paid call follows by hand (each after a response to payment headers). */
export const maxPaidRedirects = 5

/**
 * Whether a response to a request that carried payment headers is a redirect the client must
 * not let its HTTP client follow with them: a 301, 302, 303, 307 or 308 (sent with
 * `redirect: 'manual'` / `maxRedirects: 0`), or a browser's opaque redirect (status 0, no
 * headers: fetch hides a manual redirect from page scripts).
 *
 * @example if (isPaidRedirect(response)) return followWithoutPayment(response)
 */
export function isPaidRedirect(response: { status: number; header(name: string): string | null }) {
  if (response.status === 0) return true
  return [301, 302, 303, 307, 308].includes(response.status) && !!response.header('location')
}

/**
 * Whether the server charged a redirect answered to a paid or credited request
 * (docs/protocol.md section 6.3): it carries `PAYMENT-RESPONSE` or `PAYMENT-CREDIT`; a browser's
 * opaque redirect shows neither, and is charged exactly when the method is not GET or HEAD.
 *
 * @example chargedRedirect(response, 'POST') // true for a 303 carrying PAYMENT-RESPONSE
 */
export function chargedRedirect(
  response: { status: number; header(name: string): string | null },
  method: string,
): boolean {
  if (response.status === 0) return !isSafeMethod(method)
  return !!(
    response.header(headerNames.paymentResponse) || response.header(headerNames.paymentCredit)
  )
}

/** Where a redirect sends the request next, and how (Fetch standard, "HTTP-redirect fetch"). */
export interface RedirectTarget {
  url: URL
  method: string
  /** 307 and 308 send the body again; the others turn the request into a GET without one. */
  keepsBody: boolean
}

/**
 * The request a redirect asks for: 303 becomes GET (HEAD stays HEAD), as do 301 and 302 after a
 * POST; 307 and 308 keep the method and body. Undefined for a browser's opaque redirect, whose
 * `Location` a page cannot read.
 *
 * @example redirectTarget(new URL('https://a.example/buy'), 'POST', 303, '/done') // GET https://a.example/done
 */
export function redirectTarget(
  from: URL,
  method: string,
  status: number,
  location: string | null,
): RedirectTarget | undefined {
  if (status === 0 || !location) return undefined
  const upper = method.toUpperCase()
  const toGet =
    (status === 303 && upper !== 'HEAD') || ((status === 301 || status === 302) && upper === 'POST')
  return {
    url: new URL(location, from),
    method: toGet ? 'GET' : upper,
    keepsBody: !toGet,
  }
}
