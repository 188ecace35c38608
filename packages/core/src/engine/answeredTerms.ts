import { assetId } from '../assetId.js'
import type { ChallengeTerm } from '../challenge/challengeTerms.js'
import { findTerm } from '../challenge/challengeTerms.js'
import type { PaymentRequirement } from '../plugin.js'
import type { ResolvedOffer } from '../price.js'

/**
 * The terms a route offers now, as signed into each challenge it issues; frozen, so their JSON
 * is encoded once (`issueChallenge`).
 *
 * @example issueChallenge(key, { ...resource, ttlSeconds, terms: offeredTerms(offers) })
 */
export function offeredTerms(offers: readonly ResolvedOffer[]): readonly ChallengeTerm[] {
  return Object.freeze(
    offers.map(({ plugin, requirement }) =>
      Object.freeze({
        network: plugin.network,
        asset: assetId(requirement.asset),
        amount: requirement.amount,
        payTo: requirement.payTo,
      }),
    ),
  )
}

/**
 * What a payment on `offer` is judged by: the amount and payee the answered challenge signed for
 * this network and asset (the price may have changed since), else today's.
 *
 * @example plugin.verify({ txId, requirement: answeredRequirement(offer, challenge?.terms), … })
 */
export function answeredRequirement(
  offer: ResolvedOffer,
  terms: readonly ChallengeTerm[] | undefined,
): PaymentRequirement {
  const { requirement } = offer
  const term = terms && findTerm(terms, offer.plugin.network, assetId(requirement.asset))
  if (!term) return requirement
  return { ...requirement, amount: term.amount, payTo: term.payTo }
}
