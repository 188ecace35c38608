import type { ErrorBody, Network, PaymentRequiredBody, WireAsset } from '../protocol/types.js'

/** What a payment receipt says about the payment that paid for a request. */
export interface PaymentReceipt {
  chain: string
  network: Network
  /** Canonical transaction id. */
  transaction: string
  payer: string
  payTo: string
  asset: WireAsset
  /** Base units received, from the chain. */
  amount: bigint
  challengeId?: string | undefined
}

/** An answer the adapter writes as it is: a 402 challenge or an error. */
export interface RespondOutcome {
  type: 'payment_required' | 'error'
  status: 400 | 402 | 409 | 429 | 503
  headers: Record<string, string>
  body: ErrorBody | PaymentRequiredBody
}

/**
 * Paid: run the route, then call `finish(served)` once. `served` true commits the payment (the
 * handler answered below 400); false releases it. `finish` returns an error outcome to answer
 * instead when the commit could not be made (the response must then not be served).
 */
export interface PaidOutcome {
  type: 'paid'
  payment: PaymentReceipt
  /** Headers for the served response: `PAYMENT-RESPONSE`. */
  headers: Record<string, string>
  finish(served: boolean): Promise<RespondOutcome | undefined>
}

/** The result of `engine.handle(request)`. */
export type Outcome = RespondOutcome | PaidOutcome
