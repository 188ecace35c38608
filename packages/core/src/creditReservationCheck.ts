import type { CreditReservation } from './credit.js'

/**
 * What every `CreditLedger.reserve` checks before it touches a balance: a positive bigint
 * `amount` (base units) and a positive, finite `ttlMs`. Anything else is the caller's bug, never
 * a balance to hold.
 *
 * @throws RangeError naming the value.
 * @example checkCreditReservation(reservation) // first thing in reserve
 */
export function checkCreditReservation({
  amount,
  ttlMs,
}: Pick<CreditReservation, 'amount' | 'ttlMs'>): void {
  if (!(typeof amount === 'bigint' && amount > 0n)) {
    throw new RangeError(`reserve: amount must be a positive bigint, got ${String(amount)}`)
  }
  if (!(Number.isFinite(ttlMs) && ttlMs > 0)) {
    throw new RangeError(`reserve: ttlMs must be a positive number, got ${ttlMs}`)
  }
}
