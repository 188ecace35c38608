import { ConfigurationError } from '../errors.js'
import type { ResolvedOffer } from '../price.js'

/**
 * How a route binds a payment to its payer. `payer` (the default): each chain's own binding
 * (`ChainPlugin.binding`): Solana's challenge reference, EVM's proof. `none`: nothing binds; a
 * third party who sees a payment on chain can present it before its payer does.
 */
export type RouteBinding = 'payer' | 'none'

/** What a payment on one offer must carry. */
export interface OfferBinding {
  challenge: boolean
  proof: boolean
}

/**
 * What each offer demands, from the route's binding and its `requireChallenge` /
 * `requireProof`. Fails at setup when a demanded proof cannot be checked, or when a chain cannot
 * bind a payment under `binding: 'payer'`.
 *
 * @example const demands = offerBindings(offers, { binding: 'payer' }); demands.get(offer)?.proof
 */
export function offerBindings(
  offers: readonly ResolvedOffer[],
  options: { binding?: RouteBinding; requireChallenge?: boolean; requireProof?: boolean },
): Map<ResolvedOffer, OfferBinding> {
  const binding = options.binding ?? 'payer'
  if (binding !== 'payer' && binding !== 'none') {
    throw new ConfigurationError(`binding must be 'payer' or 'none', not ${String(binding)}.`)
  }
  const demands = new Map<ResolvedOffer, OfferBinding>()
  const unprovable: string[] = []
  for (const offer of offers) {
    const { plugin } = offer
    const own =
      binding === 'none' ? 'none' : (plugin.binding ?? (plugin.verifyProof ? 'proof' : undefined))
    if (own === undefined) {
      throw new ConfigurationError(
        `${plugin.name} cannot bind a payment to its payer (no binding, no verifyProof).`,
        {
          details:
            "Give the plugin a binding, or accept the risk on this route with binding: 'none'.",
        },
      )
    }
    const proof = own === 'proof' || options.requireProof === true
    if (proof && !plugin.verifyProof) unprovable.push(plugin.name)
    demands.set(offer, {
      challenge: own === 'reference' || options.requireChallenge === true,
      proof,
    })
  }
  if (unprovable.length) {
    throw new ConfigurationError(`requireProof: ${unprovable.join(', ')} cannot check proofs.`)
  }
  return demands
}
