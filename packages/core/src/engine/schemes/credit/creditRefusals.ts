import { formatAmount } from '../../../money.js'
import { headerNames } from '../../../protocol/headers.js'
import type { WireAsset } from '../../../protocol/types.js'
import type { CreditTerms } from '../../creditOffer.js'
import { type Refusal, refuse } from '../../refusal.js'
import { type CreditTokenClaims, readCreditToken } from './creditToken.js'

/** docs/protocol.md section 7.3: what each credit refusal tells the payer to do. */
export const creditRefusals = {
  malformed: () =>
    refuse(
      'invalid_payment_headers',
      `${headerNames.credit} is not a credit token: send the token from PAYMENT-CREDIT as it is.`,
    ),
  invalid: (why: string) =>
    refuse(
      'credit_invalid',
      `${why} Drop this credit token and pay per accepts (a payment of at least a pack buys new credit).`,
    ),
  notSold: () =>
    refuse(
      'credit_invalid',
      `This route does not take credit. Retry without ${headerNames.credit}: pay per accepts.`,
    ),
  exhausted: (remaining: bigint, price: bigint, asset: WireAsset) =>
    refuse(
      'credit_exhausted',
      `This credit holds ${formatAmount(remaining, asset.decimals)} ${asset.symbol}; this request costs ${formatAmount(price, asset.decimals)}. Top up: pay a pack per accepts and send the payment with this ${headerNames.credit}.`,
    ),
  expired: () =>
    refuse(
      'credit_expired',
      'This credit has expired. Drop the token and pay per accepts (a payment of at least a pack buys new credit).',
    ),
}

/**
 * Checks a presented credit token with no I/O: its shape (400), the server's signature with any
 * of `keys` and the route's scope (402 `credit_invalid`), so a forged or altered token never
 * reaches the ledger or the chain.
 *
 * @example const claims = checkCreditToken(route.keys, route.credit, header)
 */
export function checkCreditToken(
  keys: readonly Uint8Array[],
  credit: CreditTerms | undefined,
  raw: string,
): CreditTokenClaims | Refusal {
  const read = readCreditToken(keys, raw)
  if (read === 'malformed') return creditRefusals.malformed()
  if (!credit) return creditRefusals.notSold()
  if (read === 'forged') {
    return creditRefusals.invalid(
      'This credit token was not issued by this server, or was altered.',
    )
  }
  if (read.scope !== credit.scope) {
    return creditRefusals.invalid('This credit token is for other routes of this server.')
  }
  return read
}
