import type { Network } from '@tx402/core'

/** An SPL asset as configured: its wire form plus the token program that owns the mint. */
export interface SplAssetConfig {
  standard: 'spl'
  mint: string
  symbol: string
  decimals: number
  /** The program that owns the mint: SPL Token or Token-2022. Default `'token'`. */
  tokenProgram?: 'token' | 'token-2022'
}

/** Native SOL, counted in lamports. */
export interface NativeAssetConfig {
  standard: 'native'
  symbol: 'SOL'
  decimals: 9
}

/** An asset a Solana plugin accepts. */
export type SolanaAssetConfig = SplAssetConfig | NativeAssetConfig

/** Program ids of the two token programs. */
export const tokenProgramIds = {
  token: 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA',
  'token-2022': 'TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb',
} as const

/** CAIP-2 ids of mainnet-beta and devnet. */
export const solanaNetworkIds = {
  mainnet: 'solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp',
  devnet: 'solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1',
} as const satisfies Record<string, Network>

/** Native SOL. */
export const sol: NativeAssetConfig = { standard: 'native', symbol: 'SOL', decimals: 9 }

/**
 * Known Solana clusters, keyed by CAIP-2 id (`solana:` + the first 32 characters of the genesis
 * hash): the chain name used in `x-payment-chain` and the default assets.
 *
 * @example solanaNetworks['solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp'].name // 'solana'
 */
export const solanaNetworks: Record<Network, { name: string; assets: SolanaAssetConfig[] }> = {
  [solanaNetworkIds.mainnet]: {
    name: 'solana',
    assets: [
      {
        standard: 'spl',
        mint: 'EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v',
        symbol: 'USDC',
        decimals: 6,
        tokenProgram: 'token',
      },
      sol,
    ],
  },
  [solanaNetworkIds.devnet]: {
    name: 'solana-devnet',
    assets: [
      {
        standard: 'spl',
        mint: '4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU',
        symbol: 'USDC',
        decimals: 6,
        tokenProgram: 'token',
      },
      sol,
    ],
  },
}
