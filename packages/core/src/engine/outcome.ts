import type { StoredResponse } from '../ledger.js'
import type { ErrorBody, Network, PaymentRequiredBody, WireAsset } from '../protocol/types.js'

/** What a request did with prepaid credit (docs/protocol.md section 7). */
export interface CreditReceipt {
  /** `bought`: its payment opens the balance; `topped_up`: adds to it; `spent`: paid from it. */
  use: 'bought' | 'topped_up' | 'spent'
  /** 32 hex characters. */
  balanceId: string
  /** Base units this request took from the balance (0 when it paid on chain). */
  charged: bigint
  /**
   * Base units left after this request. For a purchase, what the balance holds once this
   * response's payment is committed (a top-up: as read before it, plus the grant).
   */
  remaining: bigint
  /** Unix ms after which the balance cannot be spent; undefined: never. */
  expiresAt?: number | undefined
}

/** What a payment receipt says about the payment that paid for a request. */
export interface PaymentReceipt {
  chain: string
  network: Network
  /** Canonical transaction id; `''` when the request was paid with credit (nothing on chain). */
  transaction: string
  payer: string
  payTo: string
  asset: WireAsset
  /** Base units received, from the chain; for a credited request, what the credit paid. */
  amount: bigint
  challengeId?: string | undefined
  /**
   * True when this request re-delivers a response already paid for (its payer lost it): nothing
   * is charged, and the route runs again (GET, HEAD). docs/protocol.md section 6.
   */
  redelivered?: boolean
  /** Present when the request bought, topped up or spent credit. */
  credit?: CreditReceipt | undefined
}

/** An answer the adapter writes as it is: a 402 challenge or an error. */
export interface RespondOutcome {
  type: 'payment_required' | 'error'
  status: 400 | 402 | 409 | 429 | 500 | 503
  headers: Record<string, string>
  body: ErrorBody | PaymentRequiredBody
}

/**
 * Paid: run the route. An adapter that can watch its response reach the socket (docs/protocol.md
 * section 6) calls `confirm()` right before the first byte and, once the response ended,
 * `settle(delivered)`; one that cannot calls `finish(served)` once instead. Either way the
 * payment is committed only for a served response, and released otherwise.
 */
export interface PaidOutcome {
  type: 'paid'
  payment: PaymentReceipt
  /** Headers for the served response: `PAYMENT-RESPONSE` and/or `PAYMENT-CREDIT`. */
  headers: Record<string, string>
  /**
   * Set for methods other than GET and HEAD while re-delivery is on: keep the response (status,
   * headers, body up to this many bytes) and pass it to `settle`, so it can be replayed.
   */
  storeResponseUpTo?: number | undefined
  /**
   * Call once the route answered below 400, right before the first byte is written: checks the
   * claim is still this request's. An error outcome (503) to answer instead, with none of the
   * route's headers or body; the payment was released.
   */
  confirm(): Promise<RespondOutcome | undefined>
  /**
   * Call once when the response ended: `delivered` when it was handed to the socket whole with a
   * status below 400 (commits, with `response` kept for re-delivery), false on any other ending
   * (releases: the payment is usable again). Never throws.
   */
  settle(delivered: boolean, response?: StoredResponse): Promise<void>
  /**
   * For adapters that cannot watch the delivery: `served` true commits before the response is
   * written (the route answered below 400), false releases. Returns an error outcome to answer
   * instead when the commit could not be made (the response must then not be served).
   */
  finish(served: boolean): Promise<RespondOutcome | undefined>
}

/**
 * A re-delivery of a response already paid for and kept (a non-safe method): write `response`
 * as it is, with `headers` (`PAYMENT-RESPONSE`, marked `redelivered`). Nothing is charged.
 */
export interface ReplayOutcome {
  type: 'replay'
  payment: PaymentReceipt
  response: StoredResponse
  headers: Record<string, string>
}

/** The result of `engine.handle(request)`. */
export type Outcome = RespondOutcome | PaidOutcome | ReplayOutcome
