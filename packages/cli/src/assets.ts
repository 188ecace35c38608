import { avalanchePresets } from '@tx402/chain-avalanche'
import { basePresets } from '@tx402/chain-base'
import { solanaNetworkIds, solanaNetworks } from '@tx402/chain-solana'
import { formatAmount } from '@tx402/core'
import { type Env, read } from './chains.js'

/** What a ledger row's asset is, to format its amounts. */
export interface KnownAsset {
  symbol: string
  decimals: number
}

/** An amount as the CLI prints it: formatted in the asset's decimals when known, and raw. */
export interface PrintedAmount {
  /** Decimal string in the asset's units; null when the asset's decimals are not known. */
  amount: string | null
  symbol: string | null
  /** Base units, as a decimal string. */
  raw: string
}

/**
 * The assets the presets and the server's environment know (`BASE_TOKEN` with
 * `BASE_TOKEN_DECIMALS`, `SOLANA_MINT` with `SOLANA_MINT_DECIMALS`…; a token without its
 * decimals is not known, and prints in base units), looked up by network and
 * the asset id a ledger row stores (contract address, mint or `native`).
 *
 * @example assetCatalog(process.env)('eip155:8453', '0x8335…2913') // { symbol: 'USDC', decimals: 6 }
 */
export function assetCatalog(env: Env): (network: string, asset: string) => KnownAsset | undefined {
  const known = new Map<string, KnownAsset>()
  const add = (network: string, asset: string, found: KnownAsset) =>
    known.set(key(network, asset), found)
  for (const preset of [...Object.values(basePresets), ...Object.values(avalanchePresets)]) {
    for (const asset of preset.assets) add(preset.network, asset.address, asset)
  }
  for (const [network, { assets }] of Object.entries(solanaNetworks)) {
    for (const asset of assets)
      add(network, asset.standard === 'spl' ? asset.mint : 'native', asset)
  }
  const evm = { BASE: 8453, AVALANCHE: 43114 }
  for (const [prefix, chainId] of Object.entries(evm)) {
    const token = read(env, `${prefix}_TOKEN`)
    const found = configured(env, `${prefix}_TOKEN_DECIMALS`)
    if (token && found) add(`eip155:${read(env, `${prefix}_CHAIN_ID`) ?? chainId}`, token, found)
  }
  const mint = read(env, 'SOLANA_MINT')
  const mintAsset = configured(env, 'SOLANA_MINT_DECIMALS')
  if (mint && mintAsset)
    add(read(env, 'SOLANA_NETWORK') ?? solanaNetworkIds.mainnet, mint, mintAsset)
  return (network, asset) => {
    const found = known.get(key(network, asset))
    if (found) return found
    if (asset !== 'native') return undefined
    // Native coins: SOL in lamports, EVM coins in wei.
    if (network.startsWith('solana:')) return { symbol: 'SOL', decimals: 9 }
    return {
      symbol: network === 'eip155:43114' || network === 'eip155:43113' ? 'AVAX' : 'ETH',
      decimals: 18,
    }
  }
}

/** `amount` formatted for `asset` when known, always with the raw base units. */
export function printAmount(amount: bigint, asset: KnownAsset | undefined): PrintedAmount {
  return {
    amount: asset ? formatAmount(amount, asset.decimals) : null,
    symbol: asset?.symbol ?? null,
    raw: amount.toString(),
  }
}

/** `0.01 USDC (10000)`, or `10000 (base units)` for an unknown asset. */
export function amountText(printed: PrintedAmount): string {
  return printed.amount === null
    ? `${printed.raw} (base units)`
    : `${printed.amount} ${printed.symbol} (${printed.raw})`
}

// A configured token is known only with its decimals: a guess of 6 would misprint any other
// token's amounts, so without them its amounts print as raw base units.
function configured(env: Env, variable: string): KnownAsset | undefined {
  const decimals = read(env, variable)
  return decimals === undefined ? undefined : { symbol: 'USDC', decimals: Number(decimals) }
}

// EVM addresses compare case-insensitively; base58 mints do not.
function key(network: string, asset: string): string {
  return `${network}|${network.startsWith('eip155:') ? asset.toLowerCase() : asset}`
}
