import type { ExchangeResponse } from '../exchange.js'

/**
 * `Exchange.sendCredited` for fetch: sends `template` with the extra headers and
 * `redirect: 'manual'`, so fetch never carries the token into a redirect (fetch keeps custom
 * headers across origins). A 3xx, or a browser's opaque redirect, comes back as it is: the flow
 * reads what it charged and follows it without the token (docs/protocol.md section 6.3).
 *
 * @example exchange.sendCredited = creditedSender(template, fetch, wrap)
 */
export function creditedSender<R>(
  template: Request,
  fetchImpl: typeof fetch,
  wrap: (response: Response) => ExchangeResponse<R>,
): (headers: Record<string, string>) => Promise<ExchangeResponse<R>> {
  return async (extra) => {
    const headers = new Headers(template.headers)
    for (const [name, value] of Object.entries(extra)) headers.set(name, value)
    return wrap(await fetchImpl(new Request(template.clone(), { headers, redirect: 'manual' })))
  }
}
