import { decodeBase64Json, type ErrorCode, type PaymentResponse } from '@tx402/core/protocol'

/**
 * What the client does with a tx402 error answered to a request that carried a payment:
 * - `retry`: send the same headers again after `Retry-After`, until the call's deadline;
 * - `not_found`: the server's RPC does not see the transaction (yet): while the payer's own RPC
 *   reports it confirmed, send the same headers again, within the not-found window;
 * - `refused`: this transaction will never pay for this request: the journal entry is dropped;
 * - `kept`: the server failed on its side in a way retrying now will not fix (`server_error`),
 *   consuming nothing: the call fails, the payment stays journaled for a later call.
 */
export type AnswerHandling = 'retry' | 'not_found' | 'refused' | 'kept'

const retried: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'payment_pending',
  'payment_in_progress',
  'verifier_unavailable',
  'rate_limited',
])

/**
 * How the client handles a server's `error` code for a presented payment. Every code not retried
 * is a refusal that presenting the same transaction again cannot change: the transaction failed,
 * paid the wrong asset, recipient or amount, is too old, was already used (served, to this payer
 * past the server's re-delivery window, or to whoever presented it first), its lost response was
 * too large for the server to keep (`response_not_stored`: served once, never again), or the
 * headers around it are refused for good (`challenge_invalid`, `proof_invalid`,
 * `invalid_payment_headers`).
 *
 * @example handlingOf('tx_not_found') // 'not_found'
 */
export function handlingOf(code: ErrorCode): AnswerHandling {
  if (retried.has(code)) return 'retry'
  if (code === 'tx_not_found') return 'not_found'
  if (code === 'server_error') return 'kept'
  return 'refused'
}

/**
 * Whether a `PAYMENT-RESPONSE` header marks a re-delivery (docs/protocol.md section 6.2).
 *
 * @example isRedelivery(response.header('payment-response'))
 */
export function isRedelivery(header: string | null): boolean {
  if (!header) return false
  try {
    return decodeBase64Json<PaymentResponse>(header).redelivered === true
  } catch {
    return false
  }
}
