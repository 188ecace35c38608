import { assetId } from '../../../assetId.js'
import { readPaymentHeaders } from '../../readPaymentHeaders.js'
import { isRefusal } from '../../refusal.js'
import type { EngineScheme, Refusal, Route } from '../../types.js'
import { checkCreditToken, creditRefusals } from './creditRefusals.js'
import { type CreditAttempt, reserveCredit } from './reserveCredit.js'

/**
 * Prepaid credit (docs/protocol.md section 7.3): `x-payment-credit` alone spends the balance its
 * token names. Read with no I/O (a forged or altered token stops there: no ledger, no chain),
 * verified by one reservation on the credit ledger (`reserveCredit`), which the engine settles on
 * delivery like a claimed payment. Its `accepts` are the transfer offers' `credit` packs.
 *
 * @example const credit = creditScheme(route)
 */
export function creditScheme(
  route: Pick<Route, 'keys' | 'credit' | 'offers' | 'claimTtlMs' | 'logger' | 'ledger'>,
): EngineScheme {
  return {
    name: 'credit',
    // One ledger call, no chain: not admitted (no limits), and a fault in it is the ledger's.
    verifiesLocally: true,
    read(request): CreditAttempt | Refusal | undefined {
      const headers = readPaymentHeaders(request.headers)
      if (headers.kind !== 'credit') return undefined
      const claims = checkCreditToken(route.keys, route.credit, headers.credit)
      if (isRefusal(claims)) return claims
      const seen = { balance: claims.balanceId, payer: claims.payer, network: claims.network }
      const offer = route.offers.find(
        (o) => o.plugin.network === claims.network && assetId(o.requirement.asset) === claims.asset,
      )
      if (!offer) {
        return {
          ...creditRefusals.invalid(
            'This credit is in an asset or on a network this route does not take.',
          ),
          seen,
        }
      }
      return {
        chain: offer.plugin.name,
        network: offer.plugin.network,
        id: claims.balanceId,
        challenged: false,
        seen: { ...seen, chain: offer.plugin.name, amount: offer.requirement.amount.toString() },
        claims,
        offer,
      }
    },
    verify: (attempt) =>
      // checkCreditToken refused tokens on routes without credit, so the ledger keeps credit here.
      reserveCredit(route, { attempt: attempt as CreditAttempt, ledger: route.ledger.credit! }),
  }
}
