import { type AcceptOption, parseAmount } from '@tx402/core/protocol'
import { capFor, type MaxAmount } from '../spendingCap.js'
import type { AssetIdentity } from './assetIdentity.js'
import { assetAddress, sameAddress } from './knownAssets.js'

/** The most that may leave the wallet for one option, or why nothing may. */
export type SpendingLimit =
  | { kind: 'cap'; amount: bigint; text: string }
  /** Labelled as a stablecoin it is not: a typed refusal (`AssetMismatchError`). */
  | { kind: 'mislabelled'; expected: string }
  /** Neither a known stablecoin nor listed by address: never paid. */
  | { kind: 'unlisted' }

/**
 * The cap for an option, by the asset's identity: a `maxAmount` key equal to its contract or mint
 * caps that asset whatever its label; a known stablecoin (`identifyAsset`) is capped by its
 * symbol, `'*'`, or a plain string cap; a native coin only by its symbol (a string cap or `'*'`
 * never covers ETH, AVAX or SOL); any other asset is `unlisted` and a mislabelled one
 * `mislabelled`.
 *
 * @example spendingLimit({ USDC: '0.05' }, option, identifyAsset(option)) // { kind: 'cap', amount: 50000n, text: '0.05' }
 */
export function spendingLimit(
  maxAmount: MaxAmount,
  option: Pick<AcceptOption, 'asset'>,
  identity: AssetIdentity,
): SpendingLimit {
  const { asset } = option
  const address = assetAddress(asset)
  if (address !== undefined && typeof maxAmount !== 'string') {
    const listed = Object.entries(maxAmount).find(([key]) => sameAddress(key, address))
    if (listed) return { kind: 'cap', ...capFor(listed[1], asset) }
  }
  switch (identity.kind) {
    case 'known':
      return { kind: 'cap', ...capFor(maxAmount, asset) }
    case 'native': {
      if (typeof maxAmount === 'string') return { kind: 'cap', amount: 0n, text: '0' }
      const symbol = asset.symbol.toUpperCase()
      const named = Object.entries(maxAmount).find(([key]) => key.toUpperCase() === symbol)
      return named
        ? { kind: 'cap', ...capFor(named[1], asset) }
        : { kind: 'cap', amount: parseAmount('0', 0), text: '0' }
    }
    case 'mislabelled':
      return { kind: 'mislabelled', expected: identity.expected }
    case 'unknown':
      return { kind: 'unlisted' }
  }
}
