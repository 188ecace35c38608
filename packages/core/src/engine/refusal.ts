import type { ErrorCode } from '../protocol/codes.js'
import type { Refusal } from './types.js'

export type { Refusal } from './types.js'

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
