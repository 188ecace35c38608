/** A route's answer, as far as charging goes. */
export interface RouteAnswer {
  method: string
  status: number
  /** The `Location` the route set, if any. */
  location?: string | undefined
  /** The origin the client asked (`https://api.example.com`), against which `location` resolves. */
  origin: string
}

/**
 * Whether a route's answer is one a payment or credit pays for (docs/protocol.md section 6.3):
 * a status below 400, except a redirect (3xx) of a safe method (GET, HEAD) within the origin
 * asked, which serves nothing (the answer is at a target this server charges for), so its
 * payment or credit reservation is released and stays usable there. A 3xx to any other method
 * is the route's answer (the handler acted: a POST's 303), and so is a GET's redirect to another
 * origin (a signed download link on a CDN: the `Location` is what was bought); both are charged
 * like a 200.
 *
 * @example isChargedAnswer({ method: 'GET', status: 302, location: '/v2/data', origin }) // false
 * @example isChargedAnswer({ method: 'POST', status: 303, location: '/orders/7', origin }) // true
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
// Compared by host, not scheme: behind a TLS-terminating proxy the app sees http while its own
// redirects name https, and that is still this server.
function withinOrigin(location: string | undefined, origin: string): boolean {
  if (!location) return true
  try {
    return new URL(location, `${origin}/`).host === new URL(origin).host
  } catch {
    // A Location no URL parser reads is no redirect a client can follow within this origin.
    return false
  }
}
