/** A route's answer, as far as charging goes. */
export interface RouteAnswer {
  method: string
  status: number
  /** The `Location` the route set, if any. */
  location?: string | undefined
  /**
   * The origin this route is known by from its configuration (its `realm` option's origin,
   * `https://api.example.com`), never one read from the request: the `Host` header is the
   * client's to write. Without it only a relative `Location` is within this server.
   */
  origin?: string | undefined
}

/**
 * Whether a route's answer is one a payment or credit pays for (docs/protocol.md section 6.3):
 * a status below 400, except a redirect (3xx) of a safe method (GET, HEAD) within this server (a
 * relative `Location`, or an absolute one naming the host of `origin`), which serves nothing (the answer is at a target this server charges for), so its
 * payment or credit reservation is released and stays usable there. A 3xx to any other method
 * is the route's answer (the handler acted: a POST's 303), and so is a GET's redirect to another
 * origin (a signed download link on a CDN: the `Location` is what was bought); both are charged
 * like a 200. An absolute `Location` is never judged against the request's `Host`: a client
 * naming a CDN's host as the `Host` it asked would make that CDN link a free redirect "within".
 *
 * @example isChargedAnswer({ method: 'GET', status: 302, location: '/v2/data' }) // false
 * @example isChargedAnswer({ method: 'POST', status: 303, location: '/orders/7' }) // true
 */
export function isChargedAnswer(answer: RouteAnswer): boolean {
  const { method, status } = answer
  if (status >= 400) return false
  if (status < 300) return true
  const upper = method.toUpperCase()
  if (upper !== 'GET' && upper !== 'HEAD') return true
  return !withinOrigin(answer.location, answer.origin)
}

// No Location (a 304, a 300 without one): nothing is sent elsewhere, nothing served; released.
// A relative Location is this server whatever Host was asked; an absolute one only when it names
// the configured origin's host (by host, not scheme: behind a TLS-terminating proxy the app sees
// http while its own redirects name https).
function withinOrigin(location: string | undefined, origin: string | undefined): boolean {
  if (!location) return true
  try {
    if (isRelative(location)) return true
    return origin !== undefined && new URL(location).host === new URL(origin).host
  } catch {
    // A Location no URL parser reads is no redirect a client can follow within this server.
    return false
  }
}

// Relative when it resolves onto whichever base it is read against: `/v2`, `v2`, `?page=2`; not
// `//cdn.example`, `/\cdn.example` (a browser reads it as `//`) or any scheme.
function isRelative(location: string): boolean {
  return ['http://a.invalid/', 'http://b.invalid/'].every(
    (base) => new URL(location, base).host === new URL(base).host,
  )
}
