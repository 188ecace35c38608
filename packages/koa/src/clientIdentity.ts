import {
  ConfigurationError,
  type Logger,
  type PaymentEngineOptions,
  paymentOptionNames,
  refuseUnknownOptions,
} from '@tx402/core'
import type { Context } from 'koa'
import proxyAddr from 'proxy-addr'

/** How `paymentRequired` tells clients apart for `limits.perClient`. */
export interface ClientIdentityOptions {
  /**
   * The proxies in front of the app whose `X-Forwarded-For` entry is believed: a hop count (`1`
   * for one nginx or load balancer: the client is the address it appended), or addresses and
   * CIDR ranges of the proxies (`'10.0.0.0/8'`, `['loopback', '172.16.0.5']`; `loopback`,
   * `linklocal`, `uniquelocal` as in Express). Read with `proxy-addr` (Express's `trust proxy`):
   * the client is the nearest address not trusted, walking from the socket back through
   * `X-Forwarded-For`. Default: none, the socket's remote address, which no header can steer
   * (Koa's `app.proxy` and `ctx.ip` are not used: `ctx.ip` is the leftmost, client-written entry).
   */
  trustedProxies?: number | string | readonly string[] | undefined
  /**
   * The key the per-client limit counts under, from the request and the client address found
   * as above (e.g. an API key: `(ctx, address) => ctx.get('x-api-key') || address`). Only what
   * the client cannot choose freely bounds it: a header it may rotate defeats the limit.
   * `undefined` or `''` falls back to `address`. Default: `address`.
   */
  clientKey?: ((ctx: Context, address: string) => string | undefined) | undefined
}

/**
 * The function giving each request its client key for `limits.perClient` (docs/protocol.md
 * section 5, `rate_limited`), checked once at setup. When the route has a per-client limit
 * (`limited`) and the app trusts `X-Forwarded-For` (`app.proxy`) while `trustedProxies` is unset,
 * warns once through `logger` (else `console.warn`): behind a proxy every client then shares the
 * proxy's address.
 *
 * @throws ConfigurationError for a `trustedProxies` that is not a non-negative integer or a list
 *   of addresses or CIDR ranges.
 * @example
 * const clientOf = clientIdentity({ trustedProxies: 1 }) // behind one nginx
 * const client = clientOf(ctx) // the address nginx saw, whatever X-Forwarded-For the client sent
 */
export function clientIdentity(
  options: ClientIdentityOptions,
  { logger, limited = false }: { logger?: Logger | undefined; limited?: boolean } = {},
): (ctx: Context) => string {
  const trust = trustOf(options.trustedProxies)
  const { clientKey } = options
  let warned = trust !== undefined || !limited
  return (ctx) => {
    if (!warned && ctx.app.proxy) {
      warned = true
      warnOnce(logger)
    }
    const address = trust ? proxyAddr(ctx.req, trust) : (ctx.req.socket.remoteAddress ?? 'unknown')
    // An empty key (a missing header read with ctx.get) would put every such client in one count.
    return clientKey?.(ctx, address) || address
  }
}

function warnOnce(logger: Logger | undefined): void {
  const message =
    'tx402: app.proxy is set but trustedProxies is not: limits.perClient counts by the socket address (a proxy in front shares one count); set trustedProxies to the proxies in front'
  try {
    if (logger) logger.warn({ option: 'trustedProxies' }, message)
    else console.warn(message)
  } catch {
    // A logger that throws changes no answer.
  }
}

function trustOf(
  trusted: ClientIdentityOptions['trustedProxies'],
): ((address: string, hop: number) => boolean) | undefined {
  if (trusted === undefined) return undefined
  if (typeof trusted === 'number') {
    if (!Number.isInteger(trusted) || trusted < 0) {
      throw new ConfigurationError(
        `trustedProxies must be a hop count (a non-negative integer) or proxy addresses, got ${trusted}.`,
      )
    }
    // As Express compiles a number: the socket is hop 0, each X-Forwarded-For entry one more.
    return (_address, hop) => hop < trusted
  }
  try {
    return proxyAddr.compile(typeof trusted === 'string' ? trusted : [...trusted])
  } catch (error) {
    throw new ConfigurationError(
      `trustedProxies must list proxy addresses or CIDR ranges: ${(error as Error).message}.`,
      { details: "For example trustedProxies: 1 (one proxy) or ['10.0.0.0/8']." },
    )
  }
}

/**
 * Takes this adapter's own options (`trustedProxies`, `clientKey`) out of `paymentRequired`'s,
 * leaving the engine's. Unknown keys are refused here against both lists, so a typo of either
 * kind names its closest option; anything but an object goes to the engine to refuse.
 *
 * @throws ConfigurationError `Unknown option "<key>". Did you mean "<name>"?`
 * @example const { identity, engineOptions } = splitClientIdentity(options)
 */
export function splitClientIdentity(options: PaymentEngineOptions & ClientIdentityOptions): {
  identity: ClientIdentityOptions
  engineOptions: PaymentEngineOptions
} {
  if (!options || typeof options !== 'object' || Array.isArray(options)) {
    return { identity: {}, engineOptions: options as PaymentEngineOptions }
  }
  refuseUnknownOptions(options, [...paymentOptionNames, 'trustedProxies', 'clientKey'])
  const { trustedProxies, clientKey, ...engineOptions } = options
  return { identity: { trustedProxies, clientKey }, engineOptions }
}
