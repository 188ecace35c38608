import { creditedSender } from './credit/creditedSender.js'
import { spendKnownCredit } from './credit/spendKnownCredit.js'
import type { Exchange, ExchangeResponse } from './exchange.js'
import type { JournalEntry } from './journal/types.js'
import { type PaymentOptions, resolvePaymentOptions } from './paymentOptions.js'
import { receiveWhole } from './receiveWhole.js'
import { maxPaidRedirects, payableOrigin, redirectTarget } from './redirects.js'
import { requestFingerprint } from './requestFingerprint.js'
import { settlePayment } from './settlePayment.js'

/** Options of `callPaidEndpoint`: how to pay, and optionally which `fetch` to use. */
export interface PaidFetchOptions extends PaymentOptions {
  /** Default: `globalThis.fetch`. */
  fetch?: typeof fetch
}

/**
 * `fetch` that pays: on a 402 `payment_required` it pays one accepted option within the
 * spending cap, waits for confirmation and retries with the payment headers, returning the paid
 * `Response`, received whole (its body is read before it is returned, so a connection lost
 * mid-response is sent again with the same headers). Other responses come back as they are.
 * Throws `SpendingCapError`, `NoPayableOptionError`, `CrossOriginRedirectError` (a redirect to
 * another origin's 402), `AssetMismatchError`, `TransferFeeError`, `PayToAccountError` (the
 * account a payment would credit cannot take it: read before signing, nothing sent),
 * `PaymentRejectedError` (the
 * server's `error` and `message`), `PaymentTimeoutError` (the payment stays journaled) or
 * `PaymentFailedError`, or the caller's abort reason; it never pays twice in one call.
 *
 * @example
 * const res = await callPaidEndpoint('https://api.example.com/weather', {}, {
 *   payers: [evmPayer({ walletClient, publicClient })],
 *   maxAmount: { USDC: '0.05' }, // default: 0.10 of a known stablecoin
 * })
 */
export async function callPaidEndpoint(
  input: string | URL | Request,
  init: RequestInit | undefined,
  options: PaidFetchOptions,
): Promise<Response> {
  return paidFetch(input, init, resolvePaymentOptions(options), options.fetch ?? globalThis.fetch)
}

/** How a call got here: the origin first asked and the redirects followed by hand so far. */
interface Hop {
  asked: URL
  count: number
  /** A payment the redirecting route released, to present at this target when it fits. */
  carried: JournalEntry | undefined
}

/** `callPaidEndpoint` with options already resolved (shared with `wrapFetch`). */
export async function paidFetch(
  input: string | URL | Request,
  init: RequestInit | undefined,
  options: ReturnType<typeof resolvePaymentOptions>,
  fetchImpl: typeof fetch,
  hop?: Hop,
): Promise<Response> {
  // A Request can be cloned for every retry, whatever its body is (a stream is read once).
  const template = new Request(input, init)
  const url = new URL(template.url)
  const asked = hop?.asked ?? url
  const send = async (extra: Record<string, string>): Promise<ExchangeResponse<Response>> => {
    const headers = new Headers(template.headers)
    for (const [name, value] of Object.entries(extra)) headers.set(name, value)
    // Payment headers never ride a redirect: its 3xx comes back, read and followed by hand.
    const manual = Object.keys(extra).length > 0 ? { redirect: 'manual' as const } : {}
    return wrap(await fetchImpl(new Request(template.clone(), { headers, ...manual })))
  }
  const follow = async (
    redirect: ExchangeResponse<Response>,
    carried: JournalEntry | undefined,
  ) => {
    const target = redirectTarget(
      url,
      template.method,
      redirect.status,
      redirect.header('location'),
    )
    const count = (hop?.count ?? 0) + 1
    if (!target || count > maxPaidRedirects) return redirect.raw
    redirect.discard()
    const headers = withoutPaymentHeaders(template.headers)
    if (!target.keepsBody) for (const name of bodyHeaders) headers.delete(name)
    const body = target.keepsBody ? await template.clone().arrayBuffer() : undefined
    const next = new Request(target.url, {
      method: target.method,
      headers,
      ...(body && body.byteLength > 0 ? { body } : {}),
      signal: template.signal,
    })
    return paidFetch(next, undefined, options, fetchImpl, { asked, count, carried })
  }
  const sendCredited = creditedSender(template, fetchImpl, wrap)
  const signal = init?.signal ?? (input instanceof Request ? input.signal : undefined)
  // A route that took credit before gets the token at once: one round trip, no 402 first.
  const spent = await spendKnownCredit(
    { url, method: template.method, sendCredited, signal, follow },
    options,
  )
  if (spent) return spent
  const first = await send({})
  // Redirected: only a 402 from the asked origin is paid, and the journal names who answered.
  const answered = first.raw.redirected ? new URL(first.raw.url) : url
  const origin =
    first.status === 402
      ? payableOrigin(
          asked,
          { url: answered.href, redirected: answered.origin !== asked.origin },
          options.allowCrossOriginRedirect,
        )
      : url.origin
  const exchange: Exchange<Response> = {
    origin,
    // A token is only sent to the origin that issued it: never after a cross-origin 402.
    ...(origin === url.origin ? { sendCredited } : {}),
    method: template.method,
    path: answered.pathname,
    send,
    signal,
    follow,
    opaqueRedirects: 'document' in globalThis || 'WorkerGlobalScope' in globalThis,
    fingerprint: async () =>
      requestFingerprint(template.method, template.url, await template.clone().arrayBuffer()),
  }
  return settlePayment(first, exchange, options, hop?.carried)
}

// Dropped when a redirect turns the request into a GET without its body.
const bodyHeaders = ['content-type', 'content-length', 'content-encoding', 'content-language']

function withoutPaymentHeaders(from: Headers): Headers {
  const headers = new Headers()
  from.forEach((value, name) => {
    if (!name.startsWith('x-payment-')) headers.append(name, value)
  })
  return headers
}

function wrap(response: Response): ExchangeResponse<Response> {
  return {
    status: response.status,
    header: (name) => response.headers.get(name),
    body: () => response.clone().text(),
    discard: () => {
      response.body?.cancel().catch(() => {})
    },
    complete: () => receiveWhole(response),
    raw: response,
  }
}
