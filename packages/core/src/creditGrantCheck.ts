import type { PaymentDetails } from './ledger.js'
import type { PaymentKey } from './paymentKey.js'

/**
 * What every ledger's `mark` checks of `details.credit` before it claims anything: a grant moves
 * the payer's own payment into the payer's own balance, so it names the payment's network, asset
 * and payer, a balance id, and a positive bigint amount. Anything else is the caller's bug.
 *
 * @throws RangeError naming what does not match.
 * @example checkCreditGrant(lease.key, details) // before the claim is written
 */
export function checkCreditGrant(key: PaymentKey, details: PaymentDetails): void {
  const grant = details.credit
  if (!grant) return
  if (grant.network !== key.network || grant.payer !== key.payer || grant.asset !== details.asset) {
    throw new RangeError(
      "mark: a credit grant must name the payment's own network, asset and payer",
    )
  }
  if (
    !(typeof grant.amount === 'bigint' && grant.amount > 0n) ||
    !grant.balanceId ||
    !grant.scope
  ) {
    throw new RangeError(
      'mark: a credit grant needs a balance id, a scope and a positive bigint amount',
    )
  }
}
