import type { Network } from '../protocol/types.js'

/**
 * What one accepted option asked for when a challenge was issued: the payment a payer answering
 * that challenge is judged by until it expires, even if the route's price, asset or payee changed.
 */
export interface ChallengeTerm {
  /** CAIP-2 network id. */
  network: Network
  /** The asset's id on that network: an ERC-20 address, an SPL mint, or `native`. */
  asset: string
  /** Base units. */
  amount: bigint
  /** The receiving wallet. */
  payTo: string
}

/** A term as signed into the challenge: `[network, asset, amount, payTo]`, all strings. */
export type EncodedTerm = [string, string, string, string]

/** The compact form signed into a challenge. */
export function encodeTerms(terms: readonly ChallengeTerm[]): EncodedTerm[] {
  return terms.map((t) => [t.network, t.asset, t.amount.toString(), t.payTo])
}

/** Reads signed terms back; `undefined` when they are not the shape `encodeTerms` writes. */
export function decodeTerms(value: unknown): ChallengeTerm[] | undefined {
  if (!Array.isArray(value)) return undefined
  const terms: ChallengeTerm[] = []
  for (const entry of value) {
    if (!Array.isArray(entry) || entry.length !== 4) return undefined
    if (!entry.every((part) => typeof part === 'string')) return undefined
    const [network, asset, amount, payTo] = entry as EncodedTerm
    if (!/^(0|[1-9][0-9]{0,77})$/.test(amount) || !network.includes(':')) return undefined
    terms.push({ network: network as Network, asset, amount: BigInt(amount), payTo })
  }
  return terms
}

/**
 * The term a challenge holds for an offer, matched by network and asset id (an EVM address in
 * either case; a base58 mint exactly, as base58 is case-sensitive).
 *
 * @example findTerm(challenge.terms, 'eip155:8453', usdcAddress)?.amount
 */
export function findTerm(
  terms: readonly ChallengeTerm[],
  network: string,
  asset: string,
): ChallengeTerm | undefined {
  const wantedNetwork = network.toLowerCase()
  const sameAsset = (a: string): boolean =>
    a === asset || (a.startsWith('0x') && a.toLowerCase() === asset.toLowerCase())
  return terms.find((t) => t.network.toLowerCase() === wantedNetwork && sameAsset(t.asset))
}
