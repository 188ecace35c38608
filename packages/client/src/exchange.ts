import type { JournalEntry, PaymentJournal } from './journal/types.js'

/** One HTTP response as the payment flow sees it, whatever the HTTP client. */
export interface ExchangeResponse<R> {
  status: number
  header(name: string): string | null
  /** The body (text or parsed JSON), read without consuming what is returned to the caller. */
  body(): Promise<unknown>
  /** Frees a response that will not be returned. */
  discard(): void
  /**
   * Receives the whole response and returns what the caller gets. Optional: for a client that
   * hands back a stream (fetch), a connection lost mid-body must fail here, while the same
   * payment headers can still be sent again, not after the journal entry is dropped. Default:
   * `raw` (axios has already read the body).
   */
  complete?(): Promise<R>
  /** The HTTP client's own response object, returned to the caller. */
  raw: R
}

/** One request as the payment flow sees it: where it goes, and how to send it again. */
export interface Exchange<R> {
  /** The URL's origin, e.g. `https://api.example.com`. */
  origin: string
  method: string
  /** The URL's path, without query. */
  path: string
  /**
   * Sends the original request again, with these headers added. Rejects on a network error or a
   * timeout (the payment flow then sends the same headers again) and when `signal` aborts.
   */
  send(headers: Record<string, string>): Promise<ExchangeResponse<R>>
  /**
   * Sends the original request with a credit token among these headers, never letting it follow
   * a redirect: a 3xx comes back as it is (for `follow`). `'redirected'`: not sent (an HTTP client
   * that cannot keep the token from a redirect). Optional: an exchange without it never spends or
   * tops up credit.
   */
  sendCredited?(headers: Record<string, string>): Promise<ExchangeResponse<R> | 'redirected'>
  /** The caller's signal: once it aborts, nothing is sent again and the payment stays journaled. */
  signal?: AbortSignal | null | undefined
  /**
   * The request's `requestFingerprint` (method, URL, body), for methods that are not safe: a
   * journaled payment keeps it, so a response kept for another request is not taken for this one.
   */
  fingerprint?(): Promise<string>
  /** True when a rejection of `send` is the caller giving up (e.g. a cancelled axios request). */
  isAbort?(error: unknown): boolean
  /**
   * True where a redirect answered to `send` with payment headers is opaque (fetch in a browser
   * page or worker: status 0, no headers): its `PAYMENT-CREDIT` could not be read, so no credit
   * pack is bought on a request that is not GET or HEAD.
   */
  opaqueRedirects?: boolean
  /**
   * Follows a redirect answered to payment headers or a credit token, without them
   * (docs/protocol.md section 6.3): sends the request the redirect asks for and settles its
   * answer as this call's (a 402 at the target is paid as usual). `carried`: the payment the
   * redirecting route released (a GET's redirect), presented at a same-origin target whose terms
   * it meets instead of paying again. Resolves the redirect itself when it cannot be followed (a
   * browser's opaque redirect, too many hops). Optional: without it the redirect is returned.
   */
  follow?(redirect: ExchangeResponse<R>, carried: JournalEntry | undefined): Promise<R>
}

/** One settlement in progress: the request, where payments are journaled, and its deadline. */
export interface Flow<R> {
  exchange: Exchange<R>
  journal: PaymentJournal
  /** Unix ms after which confirmations and retryable answers are no longer waited for. */
  deadline: number
  /** How long a confirmed payment answered `tx_not_found` is presented again, in ms. */
  notFoundWindowMs: number
}
