import type { ChallengeResource } from '../challenge/challenge.js'
import { ConfigurationError } from '../errors.js'
import type { PaymentRequest } from './types.js'

/**
 * The resource a route's challenges name (docs/protocol.md section 2): the method and the realm,
 * the route's `realm` option or else the origin and full path the client asked for. Two apps
 * mounted under one secret (koa-mount's `/cheap/data` and `/premium/data`, both `/data` inside)
 * name different realms, so neither's challenge carries its terms to the other.
 *
 * @example challengeResource({ method: 'GET', path: '/cheap/data', origin: 'http://a.test', headers: {} })
 * // { method: 'GET', path: '/cheap/data', realm: 'http://a.test/cheap/data' }
 */
export function challengeResource(
  request: Pick<PaymentRequest, 'method' | 'path' | 'origin'>,
  configured: string | undefined,
): ChallengeResource {
  const realm = configured ?? `${request.origin ?? ''}${request.path}`
  return { method: request.method, path: request.path, realm }
}

/**
 * Checks the `realm` option at setup: an absolute http(s) URL without query or fragment.
 *
 * @throws ConfigurationError naming the option.
 * @example checkRealm('https://api.example.com/v1/weather')
 */
export function checkRealm(realm: string | undefined): string | undefined {
  if (realm === undefined) return undefined
  let url: URL | undefined
  try {
    url = typeof realm === 'string' ? new URL(realm) : undefined
  } catch {
    url = undefined
  }
  if (!url || !/^https?:$/.test(url.protocol) || url.search || url.hash) {
    throw new ConfigurationError(
      `The option "realm" must be the absolute http(s) URL clients ask for this route, without query, got ${JSON.stringify(realm)}.`,
      { details: "For example realm: 'https://api.example.com/v1/weather'." },
    )
  }
  return `${url.origin}${url.pathname}`
}
