import type { WireAsset } from './protocol/types.js'

/**
 * An asset's id on its network: the ERC-20 contract address, the SPL mint, or `native`.
 *
 * @example assetId({ standard: 'spl', mint: 'EPjF…', symbol: 'USDC', decimals: 6 }) // 'EPjF…'
 */
export function assetId(asset: WireAsset): string {
  if (asset.standard === 'erc20') return asset.address
  if (asset.standard === 'spl') return asset.mint
  return 'native'
}
