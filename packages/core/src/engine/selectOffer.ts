import type { ResolvedOffer } from '../price.js'
import { headerNames } from '../protocol/headers.js'

/** The offer an `x-payment-chain` value names, or why it names none. */
export type OfferChoice = { offer: ResolvedOffer } | { error: string }

/**
 * Looks offers up by chain name or CAIP-2 network id, case-insensitively. A network that two
 * offers share (USDC and the native coin on one chain, through two plugins) names neither: the
 * payer is told to send the chain name, so a payment is never judged by the wrong plugin.
 *
 * @example const choose = offerSelector(offers); const choice = choose('eip155:8453')
 */
export function offerSelector(offers: readonly ResolvedOffer[]): (chain: string) => OfferChoice {
  const byName = new Map<string, ResolvedOffer>()
  const byNetwork = new Map<string, ResolvedOffer[]>()
  for (const offer of offers) {
    byName.set(offer.plugin.name.toLowerCase(), offer)
    const network = offer.plugin.network.toLowerCase()
    byNetwork.set(network, [...(byNetwork.get(network) ?? []), offer])
  }
  const accepted = offers.map((o) => `${o.plugin.name} (${o.plugin.network})`).join(', ')
  return (chain) => {
    const wanted = chain.toLowerCase()
    const named = byName.get(wanted)
    if (named) return { offer: named }
    const onNetwork = byNetwork.get(wanted) ?? []
    if (onNetwork.length === 1) return { offer: onNetwork[0]! }
    if (onNetwork.length > 1) {
      return {
        error: `${headerNames.chain}: ${chain} is offered by several chains (${onNetwork.map((o) => `${o.plugin.name} for ${o.requirement.asset.symbol}`).join(', ')}); send the chain name you paid on.`,
      }
    }
    return { error: `Unknown chain in ${headerNames.chain}. Accepted: ${accepted}.` }
  }
}
