import type { AcceptOption } from '@tx402/core/protocol'
import {
  assetAddress,
  type DeclaredAsset,
  type KnownAsset,
  knownStablecoinSymbols,
  knownStablecoins,
  sameAddress,
} from './knownAssets.js'

/** What an offered asset is, by identity rather than by the server's label. */
export type AssetIdentity =
  /** A well-known stablecoin of the option's network, or one the payer declared. */
  | { kind: 'known'; asset: KnownAsset | DeclaredAsset }
  /** The network's native coin. */
  | { kind: 'native' }
  /** Labelled as a known stablecoin, but it is not that stablecoin (or not with these decimals). */
  | { kind: 'mislabelled'; expected: string }
  /** Any other token. */
  | { kind: 'unknown'; address: string }

/**
 * Identifies `option.asset` by network and contract or mint, against `knownStablecoins` and the
 * payer's `declared` assets, never by the server's symbol alone.
 *
 * @example identifyAsset(option, []) // { kind: 'known', asset: { symbol: 'USDC', … } }
 */
export function identifyAsset(
  option: Pick<AcceptOption, 'network' | 'asset'>,
  declared: readonly DeclaredAsset[] = [],
): AssetIdentity {
  const { asset } = option
  const address = assetAddress(asset)
  if (address === undefined) return { kind: 'native' }
  const network = option.network.toLowerCase()
  const candidates = [
    ...declared,
    ...knownStablecoins.filter((known) => known.network.toLowerCase() === network),
  ]
  const match = candidates.find((known) => sameAddress(known.address, address))
  if (match) {
    if (
      match.decimals !== asset.decimals ||
      match.symbol.toUpperCase() !== asset.symbol.toUpperCase()
    ) {
      return {
        kind: 'mislabelled',
        expected: `that contract is ${match.symbol} with ${match.decimals} decimals`,
      }
    }
    return { kind: 'known', asset: match }
  }
  const symbol = asset.symbol.toUpperCase()
  const claimed = candidates.find((known) => known.symbol.toUpperCase() === symbol)
  if (claimed) {
    return {
      kind: 'mislabelled',
      expected: `${claimed.symbol} on ${option.network} is ${claimed.address}`,
    }
  }
  if (knownStablecoinSymbols.has(symbol)) {
    return {
      kind: 'mislabelled',
      expected: `it is not a ${symbol} this client knows on ${option.network}`,
    }
  }
  return { kind: 'unknown', address }
}
