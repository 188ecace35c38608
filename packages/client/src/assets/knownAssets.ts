import type { Network, WireAsset } from '@tx402/core/protocol'

/** A token by identity: the contract (ERC-20) or mint (SPL) on one network. */
export interface KnownAsset {
  /** CAIP-2 id, e.g. `eip155:8453`. */
  network: Network
  /** ERC-20 contract address or SPL mint. */
  address: string
  symbol: string
  decimals: number
}

/**
 * A token a payer is told to treat as known on its own network (a test or private token), by
 * address: `{ address: '0x…', symbol: 'USDC', decimals: 6 }`.
 */
export type DeclaredAsset = Omit<KnownAsset, 'network'>

const base = 'eip155:8453'
const baseSepolia = 'eip155:84532'
const avalanche = 'eip155:43114'
const avalancheFuji = 'eip155:43113'
const solana = 'solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp'
const solanaDevnet = 'solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1'

/**
 * The well-known stablecoins the client pays by default, by network and contract or mint: USDC,
 * USDT and EURC where their issuers deploy them on Base, Avalanche C-Chain and Solana, and
 * Circle's USDC on their testnets (the chain presets' assets). Sources: Circle's USDC and EURC
 * contract address pages, Tether's supported protocols.
 *
 * @example knownStablecoins.filter((a) => a.network === 'eip155:8453').map((a) => a.symbol) // ['USDC', 'EURC']
 */
export const knownStablecoins: readonly KnownAsset[] = [
  {
    network: base,
    address: '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913',
    symbol: 'USDC',
    decimals: 6,
  },
  {
    network: base,
    address: '0x60a3E35Cc302bFA44Cb288Bc5a4F316Fdb1adb42',
    symbol: 'EURC',
    decimals: 6,
  },
  {
    network: baseSepolia,
    address: '0x036CbD53842c5426634e7929541eC2318f3dCF7e',
    symbol: 'USDC',
    decimals: 6,
  },
  {
    network: avalanche,
    address: '0xB97EF9Ef8734C71904D8002F8b6Bc66Dd9c48a6E',
    symbol: 'USDC',
    decimals: 6,
  },
  {
    network: avalanche,
    address: '0x9702230A8Ea53601f5cD2dc00fDBc13d4dF4A8c7',
    symbol: 'USDT',
    decimals: 6,
  },
  {
    network: avalanche,
    address: '0xC891EB4cbdEFf6e073e859e987815Ed1505c2ACD',
    symbol: 'EURC',
    decimals: 6,
  },
  {
    network: avalancheFuji,
    address: '0x5425890298aed601595a70AB815c96711a31Bc65',
    symbol: 'USDC',
    decimals: 6,
  },
  {
    network: solana,
    address: 'EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v',
    symbol: 'USDC',
    decimals: 6,
  },
  {
    network: solana,
    address: 'Es9vMFrzaCERmJfrF4H2FYD4KCoNkY11McCe8BenwNYB',
    symbol: 'USDT',
    decimals: 6,
  },
  {
    network: solana,
    address: 'HzwqbKZw8HxMN6bF2yFZNrht3c2iXXzpKcFu7uBEDKtr',
    symbol: 'EURC',
    decimals: 6,
  },
  {
    network: solanaDevnet,
    address: '4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU',
    symbol: 'USDC',
    decimals: 6,
  },
]

/** Symbols of the well-known stablecoins: a server using one for another token is refused. */
export const knownStablecoinSymbols: ReadonlySet<string> = new Set(
  knownStablecoins.map((asset) => asset.symbol.toUpperCase()),
)

/**
 * The contract address (ERC-20) or mint (SPL) of a wire asset; undefined for a native coin.
 *
 * @example assetAddress({ standard: 'spl', mint: 'EPjF…', symbol: 'USDC', decimals: 6 }) // 'EPjF…'
 */
export function assetAddress(asset: WireAsset): string | undefined {
  if (asset.standard === 'erc20') return asset.address
  if (asset.standard === 'spl') return asset.mint
  return undefined
}

/**
 * Whether two addresses name one account: EVM hex case-insensitively (checksums are case),
 * anything else (base58 mints) exactly.
 *
 * @example sameAddress('0xabc…', '0xABC…') // true
 */
export function sameAddress(a: string, b: string): boolean {
  return /^0x/i.test(a) ? a.toLowerCase() === b.toLowerCase() : a === b
}
