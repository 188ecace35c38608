import type { ErrorCode } from '../protocol/codes.js'

/**
 * A step's answer when the request is refused: the code and message of the error body and, when
 * the payer should wait, `Retry-After` in seconds. The composition turns it into the response
 * (`buildResponse`: a 402 with a fresh challenge, or the error's own status).
 */
export interface Refusal {
  refuse: ErrorCode
  message: string
  retryAfterSeconds?: number | undefined
}

/**
 * A refusal with `code`.
 *
 * @example return refuse('payment_in_progress', 'Another request is using this payment.', 1)
 */
export function refuse(code: ErrorCode, message: string, retryAfterSeconds?: number): Refusal {
  return { refuse: code, message, retryAfterSeconds }
}

/** True when a step's result is a refusal rather than what the next step takes. */
export function isRefusal(value: object): value is Refusal {
  return 'refuse' in value
}
