/** Reasons a transaction does not pay for a request: answered 402 (docs/protocol.md section 5). */
export const rejectionCodes = [
  'tx_not_found',
  'tx_failed',
  'wrong_asset',
  'wrong_recipient',
  'insufficient_amount',
  'tx_too_old',
  'tx_already_used',
  'challenge_invalid',
  'proof_invalid',
  'ambiguous_payer',
  'unsupported_transaction',
] as const

/** A 402 reason from a chain plugin or the engine. */
export type RejectionCode = (typeof rejectionCodes)[number]

/** Every `error` code a tx402 server answers with, and its HTTP status. */
export const errorStatus = {
  invalid_payment_headers: 400,
  payment_required: 402,
  tx_not_found: 402,
  tx_failed: 402,
  wrong_asset: 402,
  wrong_recipient: 402,
  insufficient_amount: 402,
  tx_too_old: 402,
  tx_already_used: 402,
  challenge_invalid: 402,
  proof_invalid: 402,
  ambiguous_payer: 402,
  unsupported_transaction: 402,
  credit_invalid: 402,
  credit_exhausted: 402,
  credit_expired: 402,
  payment_pending: 402,
  payment_in_progress: 409,
  response_not_stored: 409,
  rate_limited: 429,
  server_error: 500,
  verifier_unavailable: 503,
} as const satisfies Record<string, 400 | 402 | 409 | 429 | 500 | 503>

/** A wire `error` code. */
export type ErrorCode = keyof typeof errorStatus

/** True when `code` is a 402 rejection reason. */
export function isRejectionCode(code: unknown): code is RejectionCode {
  return typeof code === 'string' && (rejectionCodes as readonly string[]).includes(code)
}
