import { ConfigurationError } from '@tx402/core'
import { type Address, getAddress } from 'viem'
import type { EvmAsset } from './resolveOptions.js'

/**
 * Refuses at setup a `payTo` that is one of the accepted token contracts: tokens transferred to
 * their own contract are lost for good.
 *
 * @throws ConfigurationError naming the token.
 * @example refuseTokenAsPayTo(payTo, assets)
 */
export function refuseTokenAsPayTo(payTo: Address, assets: readonly EvmAsset[]): void {
  for (const asset of assets) {
    if (asset.standard === 'erc20' && getAddress(asset.address) === getAddress(payTo)) {
      throw new ConfigurationError(
        `payTo ${payTo} is the ${asset.symbol} token contract itself: payments to it would be lost.`,
        { details: 'Set payTo to the wallet that receives payments.' },
      )
    }
  }
}
