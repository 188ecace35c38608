import type { ExchangeResponse } from '../exchange.js'
import { isSafeMethod } from '../requestFingerprint.js'

/** Redirects followed within the origin before a credited request gives up on credit. */
const maxHops = 5

/**
 * `Exchange.sendCredited` for fetch: sends `template` with the extra headers and
 * `redirect: 'manual'`, so fetch never carries the token to whatever origin a redirect names
 * (fetch keeps custom headers across origins). A redirect within the template's origin is
 * followed by hand for GET and HEAD; any other redirect, and a browser's opaque one, resolves
 * `'redirected'`: the token was sent only to the issuing origin, which served nothing for it.
 *
 * @example exchange.sendCredited = creditedSender(template, fetch, wrap)
 */
export function creditedSender<R>(
  template: Request,
  fetchImpl: typeof fetch,
  wrap: (response: Response) => ExchangeResponse<R>,
): (headers: Record<string, string>) => Promise<ExchangeResponse<R> | 'redirected'> {
  const asked = new URL(template.url)
  return async (extra) => {
    const headers = new Headers(template.headers)
    for (const [name, value] of Object.entries(extra)) headers.set(name, value)
    let request = new Request(template.clone(), { headers, redirect: 'manual' })
    for (let hop = 0; hop <= maxHops; hop++) {
      const response = await fetchImpl(request)
      if (response.type === 'opaqueredirect') return 'redirected'
      const location = response.headers.get('location')
      if (response.status < 300 || response.status > 399 || !location) return wrap(response)
      response.body?.cancel().catch(() => {})
      const next = new URL(location, request.url)
      if (next.origin !== asked.origin || !isSafeMethod(template.method)) return 'redirected'
      request = new Request(next, {
        method: template.method,
        headers,
        redirect: 'manual',
        signal: template.signal,
      })
    }
    return 'redirected'
  }
}
