/**
 * Whether a route's answer is one a payment or credit pays for (docs/protocol.md section 6.3):
 * a status below 400, except a redirect (3xx) to a safe method (GET, HEAD), which serves nothing
 * (the payer is sent elsewhere for the answer), so its payment or credit reservation is released
 * and stays usable for the target. A 3xx to any other method is the route's answer (the handler
 * acted: a POST's 303) and is charged like a 200.
 *
 * @example isChargedAnswer('GET', 302) // false: released, usable at the redirect's target
 * @example isChargedAnswer('POST', 303) // true: charged, with PAYMENT-RESPONSE on the 303
 */
export function isChargedAnswer(method: string, status: number): boolean {
  if (status >= 400) return false
  if (status < 300) return true
  const upper = method.toUpperCase()
  return upper !== 'GET' && upper !== 'HEAD'
}
