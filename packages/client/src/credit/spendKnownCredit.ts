import type { Exchange, Flow } from '../exchange.js'
import type { ResolvedPaymentOptions } from '../paymentOptions.js'
import { creditsOf } from './creditJournal.js'
import { creditKey } from './creditRecord.js'
import { creditFor } from './keepCredit.js'
import { presentCredit } from './presentCredit.js'

/**
 * Sends a request with the token of a balance that took its route before (`creditFor`), before
 * any 402: the response when it was served or answered by the route, else undefined (the caller
 * goes on as without credit, and the route is forgotten for this balance until it takes it again).
 *
 * @example const response = await spendKnownCredit({ url, method, sendCredited, signal }, options)
 */
export async function spendKnownCredit<R>(
  request: {
    url: URL
    method: string
    sendCredited: NonNullable<Exchange<R>['sendCredited']>
    signal?: AbortSignal | null | undefined
    /** Follows a redirect answered to the token, without it (docs/protocol.md section 6.3). */
    follow?: Exchange<R>['follow']
  },
  options: ResolvedPaymentOptions,
): Promise<R | undefined> {
  const { url, method, sendCredited, signal, follow } = request
  const flow: Flow<R> = {
    exchange: {
      origin: url.origin,
      method,
      path: url.pathname,
      send: () => Promise.reject(new Error('Only credited sends here.')),
      sendCredited,
      signal,
    },
    journal: options.journal,
    deadline: Date.now() + options.timeoutMs,
    notFoundWindowMs: options.notFoundWindowMs,
  }
  const record = await creditFor(flow, url.origin, method, url.pathname)
  if (!record) return undefined
  const spent = await presentCredit(flow, record)
  if (spent.kind === 'redirected') {
    return follow ? follow(spent.response, undefined) : spent.response.raw
  }
  if ('response' in spent) return spent.response
  // Not served here: the 402 that follows decides (top up, pay, or a token elsewhere), and this
  // route waits for a 402 again until a balance takes it anew.
  const resource = `${method.toUpperCase()} ${url.pathname}`
  const credits = creditsOf(options.journal)
  const current = (await credits.list()).find((r) => creditKey(r) === creditKey(record))
  if (current) {
    await credits.put({
      ...current,
      resources: (current.resources ?? []).filter((r) => r !== resource),
    })
  }
  return undefined
}
