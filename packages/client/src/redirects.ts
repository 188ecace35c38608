import { CrossOriginRedirectError } from './refusals.js'

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
